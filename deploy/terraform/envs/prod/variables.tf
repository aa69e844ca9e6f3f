variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "domain" {
  description = "The prod environment's domain (a Route 53 zone of its own, delegated to)"
  type        = string
  default     = "redemption.example.com"
}

variable "github_repository" {
  description = "owner/name: the repository whose workflows may assume the CI roles"
  type        = string
  default     = "redemption/redemption"
}

variable "api_alb_dns_name" {
  description = "Set after the first deploy: kubectl -n redemption get ingress gateway"
  type        = string
  default     = ""
}

variable "operator_role_arns" {
  description = "SSO roles allowed to use the Kubernetes API as cluster admins"
  type        = list(string)
  default     = []
}

variable "state_kms_key_arn" {
  description = "The bootstrap stack's kms_key_arn output (the state bucket's key)"
  type        = string
}
