# One VPC per environment account: three zones, each with a public subnet (load balancers, NAT),
# a private one (nodes and pods: large, the VPC CNI gives pods VPC addresses) and a data one
# (Aurora, RDS Proxy, ElastiCache, MSK; no route to the internet). A NAT gateway per zone, so
# losing a zone does not take the others' egress with it. Interface endpoints keep AWS API
# traffic (ECR pulls, STS for IRSA, Secrets Manager, Karpenter's EC2/SQS/SSM calls) inside.
#
# The addresses are the same in every account on purpose: deploy/k8s's NetworkPolicies name
# them (10.0.0.0/16, data 10.0.200.0/22). Change both together if accounts are ever peered.

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
  interface_endpoints = [
    "ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs", "kms",
    "ec2", "ssm", "sqs", "eks", "elasticloadbalancing", "autoscaling",
  ]
}

data "aws_availability_zones" "available" {
  state = "available"
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.16"

  name = var.name
  cidr = var.cidr
  azs  = local.azs

  private_subnets  = [for i in range(3) : cidrsubnet(var.cidr, 2, i)]       # 10.0.0.0/18 ...
  public_subnets   = [for i in range(3) : cidrsubnet(var.cidr, 8, 192 + i)] # 10.0.192.0/24 ...
  database_subnets = [for i in range(3) : cidrsubnet(var.cidr, 8, 200 + i)] # 10.0.200.0/24 ...

  enable_nat_gateway     = true
  single_nat_gateway     = false
  one_nat_gateway_per_az = true

  create_database_subnet_group       = true
  create_database_subnet_route_table = true
  create_database_nat_gateway_route  = false

  enable_dns_hostnames = true
  enable_dns_support   = true

  enable_flow_log                      = true
  create_flow_log_cloudwatch_log_group = true
  create_flow_log_cloudwatch_iam_role  = true
  flow_log_max_aggregation_interval    = 60

  public_subnet_tags = {
    "kubernetes.io/role/elb" = 1
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = 1
    "karpenter.sh/discovery"          = var.cluster_name
  }

  tags = var.tags
}

module "endpoints" {
  source  = "terraform-aws-modules/vpc/aws//modules/vpc-endpoints"
  version = "~> 5.16"

  vpc_id                     = module.vpc.vpc_id
  create_security_group      = true
  security_group_name_prefix = "${var.name}-endpoints-"
  security_group_rules = {
    ingress_https = {
      description = "HTTPS from the VPC"
      cidr_blocks = [var.cidr]
    }
  }

  endpoints = merge(
    {
      s3 = {
        service         = "s3"
        service_type    = "Gateway"
        route_table_ids = module.vpc.private_route_table_ids
      }
    },
    {
      for svc in local.interface_endpoints : replace(svc, ".", "_") => {
        service             = svc
        private_dns_enabled = true
        subnet_ids          = module.vpc.private_subnets
      }
    },
  )

  tags = var.tags
}
