variable "name" {
  description = "VPC name, e.g. redemption-prod"
  type        = string
}

variable "cidr" {
  description = "VPC range; deploy/k8s's NetworkPolicies assume 10.0.0.0/16"
  type        = string
  default     = "10.0.0.0/16"
}

variable "cluster_name" {
  description = "EKS cluster name, for Karpenter's subnet discovery tag"
  type        = string
}

variable "tags" {
  type    = map(string)
  default = {}
}
