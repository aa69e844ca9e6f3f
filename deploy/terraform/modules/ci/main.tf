# GitHub Actions reach AWS through OIDC only (no stored keys): one role per job kind, each
# trusted for this repository and, where it matters, a branch or a GitHub environment.
#   redemption-ci-image          push to ECR, sync the web app to S3 (main branch)
#   redemption-ci-terraform-plan read-only plan on pull requests
#   redemption-ci-terraform-apply apply on main, behind the GitHub environment's approval

module "github_oidc" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-provider"
  version = "~> 5.48"
  tags    = var.tags
}

module "image_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "~> 5.48"

  name     = "redemption-ci-image"
  subjects = ["${var.repository}:ref:refs/heads/main", "${var.repository}:environment:${var.environment}"]
  policies = {
    push = aws_iam_policy.image.arn
  }
  tags = var.tags
}

data "aws_iam_policy_document" "image" {
  statement {
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
      "ecr:DescribeImages", "ecr:DescribeImageScanFindings", "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart",
    ]
    resources = [var.ecr_repository_arn]
  }
  statement {
    actions   = ["s3:ListBucket", "s3:PutObject", "s3:DeleteObject", "s3:GetObject"]
    resources = [var.web_bucket_arn, "${var.web_bucket_arn}/*"]
  }
  statement {
    actions   = ["cloudfront:CreateInvalidation"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "image" {
  name   = "redemption-ci-image"
  policy = data.aws_iam_policy_document.image.json
  tags   = var.tags
}

module "plan_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "~> 5.48"

  name     = "redemption-ci-terraform-plan"
  subjects = ["${var.repository}:pull_request", "${var.repository}:ref:refs/heads/main"]
  policies = {
    read  = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    state = aws_iam_policy.state.arn
  }
  tags = var.tags
}

module "apply_role" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-role"
  version = "~> 5.48"

  name     = "redemption-ci-terraform-apply"
  subjects = ["${var.repository}:environment:${var.environment}-infra"]
  policies = {
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
  }
  tags = var.tags
}

data "aws_iam_policy_document" "state" {
  statement {
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [var.state_bucket_arn, "${var.state_bucket_arn}/*"]
  }
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [var.lock_table_arn]
  }
  statement {
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.state_kms_key_arn]
  }
}

resource "aws_iam_policy" "state" {
  name   = "redemption-ci-terraform-state"
  policy = data.aws_iam_policy_document.state.json
  tags   = var.tags
}

variable "repository" {
  description = "owner/name of the GitHub repository"
  type        = string
}

variable "environment" {
  type = string
}

variable "ecr_repository_arn" {
  type = string
}

variable "web_bucket_arn" {
  type = string
}

variable "state_bucket_arn" {
  type = string
}

variable "lock_table_arn" {
  type = string
}

variable "state_kms_key_arn" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

output "image_role_arn" {
  value = module.image_role.arn
}

output "plan_role_arn" {
  value = module.plan_role.arn
}

output "apply_role_arn" {
  value = module.apply_role.arn
}
