variable "name" {
  type = string
}

variable "vpc_id" {
  type = string
}

variable "vpc_cidr" {
  type = string
}

variable "database_subnets" {
  type = list(string)
}

variable "database_subnet_group_name" {
  type = string
}

variable "aurora_engine_version" {
  type    = string
  default = "16.4"
}

variable "aurora_instance_class" {
  type    = string
  default = "db.r7g.large"
}

variable "backup_retention_days" {
  description = "Aurora automated backups; the seed asks for 35 days (the maximum)"
  type        = number
  default     = 35
}

variable "deletion_protection" {
  description = "true in prod: the cluster cannot be deleted by an apply"
  type        = bool
  default     = true
}

variable "redis_node_type" {
  type    = string
  default = "cache.r7g.large"
}

variable "msk_instance_type" {
  type    = string
  default = "kafka.m7g.large"
}

variable "msk_volume_gb" {
  type    = number
  default = 200
}

variable "tags" {
  type    = map(string)
  default = {}
}
