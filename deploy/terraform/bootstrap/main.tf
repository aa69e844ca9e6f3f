# Bootstrap, once per AWS account, with local state: the S3 bucket and DynamoDB table that hold
# every other stack's remote state and lock. Then `terraform init -migrate-state` moves this
# stack's own state into the bucket too (deploy/README.md, step 2).

terraform {
  required_version = ">= 1.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  description = "dev or prod: one AWS account per environment"
  type        = string
}

data "aws_caller_identity" "current" {}

locals {
  bucket = "redemption-tfstate-${data.aws_caller_identity.current.account_id}"
}

resource "aws_kms_key" "state" {
  description         = "Terraform state of redemption-${var.environment}"
  enable_key_rotation = true
}

module "state_bucket" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 4.2"

  bucket = local.bucket

  versioning = {
    enabled = true
  }
  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm     = "aws:kms"
        kms_master_key_id = aws_kms_key.state.arn
      }
      bucket_key_enabled = true
    }
  }
  block_public_acls                     = true
  block_public_policy                   = true
  ignore_public_acls                    = true
  restrict_public_buckets               = true
  attach_deny_insecure_transport_policy = true
}

resource "aws_dynamodb_table" "lock" {
  name         = "redemption-tfstate-lock"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = aws_kms_key.state.arn
  }

  point_in_time_recovery {
    enabled = true
  }

  deletion_protection_enabled = true
}

output "state_bucket" {
  value = module.state_bucket.s3_bucket_id
}

output "lock_table" {
  value = aws_dynamodb_table.lock.name
}

output "kms_key_arn" {
  value = aws_kms_key.state.arn
}
