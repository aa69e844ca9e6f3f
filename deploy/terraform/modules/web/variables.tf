variable "name" {
  type = string
}

variable "domain" {
  description = "The environment's domain, e.g. redemption.example.com (a zone of its own)"
  type        = string
}

variable "api_alb_dns_name" {
  description = "The ALB's DNS name once the ingress exists (kubectl get ingress gateway); empty before"
  type        = string
  default     = ""
}

variable "waf_rate_per_ip_per_5min" {
  description = "Requests one client IP may make per 5 minutes before WAF blocks it (above the app's own limits)"
  type        = number
  default     = 20000
}

variable "tags" {
  type    = map(string)
  default = {}
}
