output "bucket" {
  description = "Where the image workflow syncs apps/web/dist"
  value       = module.bucket.s3_bucket_id
}

output "distribution_id" {
  value = module.cdn.cloudfront_distribution_id
}

output "zone_name_servers" {
  description = "Delegate the domain to these (deploy/README.md step 3)"
  value       = aws_route53_zone.main.name_servers
}

output "api_certificate_arn" {
  description = "alb.ingress.kubernetes.io/certificate-arn in deploy/k8s/overlays/<env>/ingress.yaml"
  value       = module.cert_api.acm_certificate_arn
}

output "waf_regional_acl_arn" {
  description = "alb.ingress.kubernetes.io/wafv2-acl-arn in deploy/k8s/overlays/<env>/ingress.yaml"
  value       = aws_wafv2_web_acl.regional.arn
}
