output "kms_key_arn" {
  value = aws_kms_key.data.arn
}

output "secret_arns" {
  value = [aws_secretsmanager_secret.app.arn, aws_secretsmanager_secret.db_app.arn]
}

output "db_proxy_endpoint" {
  value = module.rds_proxy.proxy_endpoint
}

output "aurora_cluster_endpoint" {
  value = module.aurora.cluster_endpoint
}

output "redis_primary_endpoint" {
  value = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "msk_cluster_arn" {
  value = module.msk.arn
}

output "msk_bootstrap_brokers_sasl_iam" {
  description = "KAFKA_BROKERS for deploy/k8s/overlays/<env>/config.yaml"
  value       = module.msk.bootstrap_brokers_sasl_iam
}
