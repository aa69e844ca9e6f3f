# Remote state in the bucket and lock table of deploy/terraform/bootstrap (this account's).
# The bucket's name holds the account id, so it is given at init:
#   terraform init -backend-config="bucket=redemption-tfstate-<account id>"
terraform {
  backend "s3" {
    key            = "redemption/dev/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "redemption-tfstate-lock"
    encrypt        = true
  }
}
