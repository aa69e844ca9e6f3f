# EKS with a private API endpoint only (operators reach it through the VPC: SSM or VPN; CI never
# does: deployments are GitOps commits that Argo CD, inside the cluster, applies). A small
# managed node group runs the system pods (CoreDNS, Karpenter itself, Argo CD, controllers);
# everything else is on Karpenter's nodes (deploy/k8s/cluster/karpenter.yaml). IRSA roles for
# the controllers and for each service (MSK IAM auth), named as deploy/k8s and deploy/gitops
# expect them.

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.31"

  cluster_name    = var.cluster_name
  cluster_version = var.kubernetes_version

  cluster_endpoint_public_access  = false
  cluster_endpoint_private_access = true
  authentication_mode             = "API"
  enable_irsa                     = true

  vpc_id     = var.vpc_id
  subnet_ids = var.private_subnets

  # Secrets in etcd are encrypted with a key of the module's own (cluster_encryption_config).
  cluster_enabled_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  cluster_addons = {
    coredns                = {}
    kube-proxy             = {}
    vpc-cni                = { before_compute = true }
    eks-pod-identity-agent = {}
    aws-ebs-csi-driver     = {}
  }

  eks_managed_node_groups = {
    system = {
      ami_type       = "AL2023_ARM_64_STANDARD"
      instance_types = ["m7g.large"]
      min_size       = 2
      max_size       = 4
      desired_size   = 3
      labels = {
        "redemption.io/pool" = "system"
      }
      taints = {
        critical = {
          key    = "CriticalAddonsOnly"
          value  = "true"
          effect = "NO_SCHEDULE"
        }
      }
    }
  }

  access_entries = var.access_entries

  node_security_group_tags = {
    "karpenter.sh/discovery" = var.cluster_name
  }

  tags = var.tags
}

module "karpenter" {
  source  = "terraform-aws-modules/eks/aws//modules/karpenter"
  version = "~> 20.31"

  cluster_name          = module.eks.cluster_name
  enable_v1_permissions = true

  enable_irsa                     = true
  irsa_oidc_provider_arn          = module.eks.oidc_provider_arn
  irsa_namespace_service_accounts = ["kube-system:karpenter"]
  iam_role_name                   = "redemption-karpenter"
  iam_role_use_name_prefix        = false

  node_iam_role_name            = "KarpenterNodeRole-${var.cluster_name}"
  node_iam_role_use_name_prefix = false
  node_iam_role_additional_policies = {
    ssm = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
  }

  # The interruption queue (spot notices, rebalance, health events) is named after the cluster.
  queue_name = var.cluster_name

  tags = var.tags
}

module "lb_controller_irsa" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "~> 5.48"

  role_name                              = "redemption-aws-load-balancer-controller"
  attach_load_balancer_controller_policy = true
  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["kube-system:aws-load-balancer-controller"]
    }
  }
  tags = var.tags
}

module "external_secrets_irsa" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version = "~> 5.48"

  role_name                             = "redemption-external-secrets"
  attach_external_secrets_policy        = true
  external_secrets_secrets_manager_arns = var.secret_arns
  external_secrets_kms_key_arns         = [var.secrets_kms_key_arn]
  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["external-secrets:external-secrets"]
    }
  }
  tags = var.tags
}

# Each service may connect to the MSK cluster and use the platform's topics and groups (IAM auth);
# nothing else in AWS.
data "aws_iam_policy_document" "msk" {
  statement {
    actions   = ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"]
    resources = [var.msk_cluster_arn]
  }
  statement {
    actions = [
      "kafka-cluster:CreateTopic", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData",
      "kafka-cluster:WriteData", "kafka-cluster:DescribeTopicDynamicConfiguration",
    ]
    resources = [replace("${var.msk_cluster_arn}/*", ":cluster/", ":topic/")]
  }
  statement {
    actions   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
    resources = [replace("${var.msk_cluster_arn}/*", ":cluster/", ":group/")]
  }
}

resource "aws_iam_policy" "msk" {
  name   = "redemption-msk-client"
  policy = data.aws_iam_policy_document.msk.json
  tags   = var.tags
}

module "service_irsa" {
  source   = "terraform-aws-modules/iam/aws//modules/iam-role-for-service-accounts-eks"
  version  = "~> 5.48"
  for_each = toset(var.services)

  role_name = "redemption-${each.key}"
  role_policy_arns = {
    msk = aws_iam_policy.msk.arn
  }
  oidc_providers = {
    main = {
      provider_arn               = module.eks.oidc_provider_arn
      namespace_service_accounts = ["redemption:${each.key}"]
    }
  }
  tags = var.tags
}
