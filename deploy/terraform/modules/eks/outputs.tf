output "cluster_name" {
  value = module.eks.cluster_name
}

output "cluster_endpoint" {
  value = module.eks.cluster_endpoint
}

output "oidc_provider_arn" {
  value = module.eks.oidc_provider_arn
}

output "karpenter_queue_name" {
  value = module.karpenter.queue_name
}

output "node_security_group_id" {
  value = module.eks.node_security_group_id
}
