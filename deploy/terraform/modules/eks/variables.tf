variable "cluster_name" {
  type = string
}

variable "kubernetes_version" {
  type    = string
  default = "1.31"
}

variable "vpc_id" {
  type = string
}

variable "private_subnets" {
  type = list(string)
}

variable "msk_cluster_arn" {
  description = "The services' IRSA roles may connect to this cluster (IAM auth)"
  type        = string
}

variable "secret_arns" {
  description = "Secrets External Secrets may read (redemption/*)"
  type        = list(string)
}

variable "secrets_kms_key_arn" {
  type = string
}

variable "services" {
  description = "Service accounts that get an IRSA role redemption-<name>"
  type        = list(string)
  default     = ["gateway", "identity", "loyalty", "catalog", "orders", "payments"]
}

variable "access_entries" {
  description = "Who may use the Kubernetes API (module eks access_entries): operators' SSO roles"
  type        = any
  default     = {}
}

variable "tags" {
  type    = map(string)
  default = {}
}
