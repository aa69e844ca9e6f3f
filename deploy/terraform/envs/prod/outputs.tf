# What deploy/k8s/overlays/<env> and the workflows need (deploy/README.md, "fill in").

output "cluster_name" {
  value = module.eks.cluster_name
}

output "kafka_brokers" {
  description = "KAFKA_BROKERS in overlays/<env>/config.yaml"
  value       = module.data.msk_bootstrap_brokers_sasl_iam
}

output "ecr_repository_url" {
  value = module.registry.repository_url
}

output "web_bucket" {
  value = module.web.bucket
}

output "cloudfront_distribution_id" {
  value = module.web.distribution_id
}

output "zone_name_servers" {
  value = module.web.zone_name_servers
}

output "api_certificate_arn" {
  value = module.web.api_certificate_arn
}

output "waf_regional_acl_arn" {
  value = module.web.waf_regional_acl_arn
}

output "ci_role_arns" {
  description = "AWS_ROLE_* secrets of the GitHub environments"
  value = {
    image           = module.ci.image_role_arn
    terraform_plan  = module.ci.plan_role_arn
    terraform_apply = module.ci.apply_role_arn
  }
}
