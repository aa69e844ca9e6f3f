# The dev environment, in its own AWS account. Order of creation follows the references:
# network -> data -> eks (IRSA for the services needs the MSK cluster) -> registry, web, ci.
# deploy/README.md says what to fill in and how to bootstrap the cluster afterwards.

locals {
  env     = "dev"
  name    = "redemption-dev"
  cluster = "redemption-dev"
  tags = {
    "app.kubernetes.io/part-of" = "redemption"
    environment                 = "dev"
    managed-by                  = "terraform"
  }
}

data "aws_caller_identity" "current" {}

module "network" {
  source       = "../../modules/network"
  name         = local.name
  cluster_name = local.cluster
  tags         = local.tags
}

module "data" {
  source                     = "../../modules/data"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  vpc_cidr                   = module.network.vpc_cidr
  database_subnets           = module.network.database_subnets
  database_subnet_group_name = module.network.database_subnet_group_name
  aurora_instance_class      = "db.r7g.large"
  redis_node_type            = "cache.t4g.medium"
  msk_instance_type          = "kafka.t3.small"
  backup_retention_days      = 35
  deletion_protection        = false
  tags                       = local.tags
}

module "eks" {
  source              = "../../modules/eks"
  cluster_name        = local.cluster
  vpc_id              = module.network.vpc_id
  private_subnets     = module.network.private_subnets
  msk_cluster_arn     = module.data.msk_cluster_arn
  secret_arns         = module.data.secret_arns
  secrets_kms_key_arn = module.data.kms_key_arn
  access_entries = {
    for i, arn in var.operator_role_arns : "operator-${i}" => {
      principal_arn = arn
      policy_associations = {
        admin = {
          policy_arn   = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
  }
  tags = local.tags
}

module "registry" {
  source = "../../modules/registry"
  tags   = local.tags
}

module "web" {
  source           = "../../modules/web"
  name             = local.name
  domain           = var.domain
  api_alb_dns_name = var.api_alb_dns_name
  tags             = local.tags
  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }
}

module "ci" {
  source             = "../../modules/ci"
  repository         = var.github_repository
  environment        = local.env
  ecr_repository_arn = module.registry.repository_arn
  web_bucket_arn     = "arn:aws:s3:::${module.web.bucket}"
  state_bucket_arn   = "arn:aws:s3:::redemption-tfstate-${data.aws_caller_identity.current.account_id}"
  lock_table_arn     = "arn:aws:dynamodb:${var.region}:${data.aws_caller_identity.current.account_id}:table/redemption-tfstate-lock"
  state_kms_key_arn  = var.state_kms_key_arn
  tags               = local.tags
}
