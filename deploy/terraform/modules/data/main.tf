# The data stores, all in the data subnets, all encrypted with this module's KMS key, reachable
# only from inside the VPC:
#   Aurora PostgreSQL (writer + reader in two zones, 35-day backups, Performance Insights)
#   behind RDS Proxy (TLS required); ElastiCache Redis (TLS, AUTH token, Multi-AZ failover);
#   MSK (3 brokers, TLS, IAM auth). The application's connection settings go to Secrets
#   Manager (redemption/app, redemption/database-app), where deploy/k8s's ExternalSecrets read
#   them; the Stripe keys are placeholders the operator fills in (deploy/README.md).

data "aws_region" "current" {}

resource "aws_kms_key" "data" {
  description             = "${var.name} data stores and secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = var.tags
}

resource "aws_kms_alias" "data" {
  name          = "alias/${var.name}-data"
  target_key_id = aws_kms_key.data.key_id
}

# ---- Aurora PostgreSQL --------------------------------------------------------------------

module "aurora" {
  source  = "terraform-aws-modules/rds-aurora/aws"
  version = "~> 9.11"

  name           = var.name
  engine         = "aurora-postgresql"
  engine_version = var.aurora_engine_version
  instance_class = var.aurora_instance_class
  instances = {
    one = {}
    two = {}
  }

  database_name               = "redemption"
  master_username             = "redemption_admin"
  manage_master_user_password = true

  vpc_id                 = var.vpc_id
  db_subnet_group_name   = var.database_subnet_group_name
  create_db_subnet_group = false
  publicly_accessible    = false
  security_group_rules = {
    from_vpc = {
      cidr_blocks = [var.vpc_cidr]
    }
  }

  storage_encrypted                     = true
  kms_key_id                            = aws_kms_key.data.arn
  backup_retention_period               = var.backup_retention_days
  preferred_backup_window               = "02:00-03:00"
  copy_tags_to_snapshot                 = true
  deletion_protection                   = var.deletion_protection
  skip_final_snapshot                   = false
  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.data.arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  iam_database_authentication_enabled   = true
  enabled_cloudwatch_logs_exports       = ["postgresql"]
  apply_immediately                     = false

  create_db_cluster_parameter_group = true
  db_cluster_parameter_group_family = "aurora-postgresql16"
  db_cluster_parameter_group_parameters = [
    { name = "rds.force_ssl", value = "1", apply_method = "pending-reboot" },
    { name = "log_min_duration_statement", value = "500", apply_method = "immediate" },
  ]

  tags = var.tags
}

# The application's own database user (not the master). Its role is created once in SQL
# (deploy/README.md, step 6); RDS Proxy authenticates clients with this secret.
resource "random_password" "db_app" {
  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "db_app" {
  name       = "redemption/database-app"
  kms_key_id = aws_kms_key.data.arn
  tags       = var.tags
}

resource "aws_secretsmanager_secret_version" "db_app" {
  secret_id = aws_secretsmanager_secret.db_app.id
  secret_string = jsonencode({
    username = "redemption_app"
    password = random_password.db_app.result
  })
}

module "rds_proxy" {
  source  = "terraform-aws-modules/rds-proxy/aws"
  version = "~> 3.1"

  name                   = var.name
  iam_role_name          = "${var.name}-rds-proxy"
  vpc_subnet_ids         = var.database_subnets
  vpc_security_group_ids = [aws_security_group.proxy.id]

  engine_family       = "POSTGRESQL"
  require_tls         = true
  debug_logging       = false
  idle_client_timeout = 1800

  auth = {
    redemption_app = {
      description = "the application user"
      secret_arn  = aws_secretsmanager_secret.db_app.arn
      iam_auth    = "DISABLED"
    }
  }
  kms_key_arns = [aws_kms_key.data.arn]

  target_db_cluster            = true
  db_cluster_identifier        = module.aurora.cluster_id
  connection_borrow_timeout    = 120
  max_connections_percent      = 90
  max_idle_connections_percent = 50

  tags = var.tags
}

resource "aws_security_group" "proxy" {
  name_prefix = "${var.name}-rds-proxy-"
  description = "RDS Proxy: PostgreSQL from the VPC"
  vpc_id      = var.vpc_id

  ingress {
    description = "PostgreSQL from the VPC (pods, migrations)"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  egress {
    description = "to Aurora"
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = var.tags
}

# ---- ElastiCache Redis --------------------------------------------------------------------

resource "random_password" "redis" {
  length  = 64
  special = false
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = var.name
  subnet_ids = var.database_subnets
}

resource "aws_security_group" "redis" {
  name_prefix = "${var.name}-redis-"
  description = "Redis from the VPC"
  vpc_id      = var.vpc_id

  ingress {
    description = "Redis (TLS) from the VPC"
    from_port   = 6379
    to_port     = 6379
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = var.tags
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id       = var.name
  description                = "Redemption rate limits, throttles, token revocations"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.redis_node_type
  num_cache_clusters         = 2
  port                       = 6379
  multi_az_enabled           = true
  automatic_failover_enabled = true
  subnet_group_name          = aws_elasticache_subnet_group.redis.name
  security_group_ids         = [aws_security_group.redis.id]
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  kms_key_id                 = aws_kms_key.data.arn
  auth_token                 = random_password.redis.result
  snapshot_retention_limit   = 7
  apply_immediately          = false
  tags                       = var.tags
}

# ---- MSK ----------------------------------------------------------------------------------

resource "aws_security_group" "msk" {
  name_prefix = "${var.name}-msk-"
  description = "Kafka (TLS + IAM) from the VPC"
  vpc_id      = var.vpc_id

  ingress {
    description = "Kafka, SASL/IAM over TLS, from the VPC"
    from_port   = 9098
    to_port     = 9098
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }

  tags = var.tags
}

module "msk" {
  source  = "terraform-aws-modules/msk-kafka-cluster/aws"
  version = "~> 2.11"

  name                   = var.name
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 3

  broker_node_client_subnets  = var.database_subnets
  broker_node_instance_type   = var.msk_instance_type
  broker_node_security_groups = [aws_security_group.msk.id]
  broker_node_storage_info = {
    ebs_storage_info = { volume_size = var.msk_volume_gb }
  }

  encryption_in_transit_client_broker = "TLS"
  encryption_in_transit_in_cluster    = true
  encryption_at_rest_kms_key_arn      = aws_kms_key.data.arn

  client_authentication = {
    sasl = { iam = true }
  }

  configuration_name = var.name
  configuration_server_properties = {
    "auto.create.topics.enable"  = false
    "default.replication.factor" = 3
    "min.insync.replicas"        = 2
  }

  enhanced_monitoring     = "PER_TOPIC_PER_BROKER"
  cloudwatch_logs_enabled = true

  tags = var.tags
}

# ---- What the application reads ----------------------------------------------------------

resource "random_password" "internal_token" {
  length  = 48
  special = false
}

resource "random_password" "metrics_token" {
  length  = 48
  special = false
}

resource "random_password" "admin" {
  length  = 32
  special = false
}

resource "aws_secretsmanager_secret" "app" {
  name       = "redemption/app"
  kms_key_id = aws_kms_key.data.arn
  tags       = var.tags
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id = aws_secretsmanager_secret.app.id
  secret_string = jsonencode({
    db_proxy_endpoint      = module.rds_proxy.proxy_endpoint
    db_name                = "redemption"
    redis_url              = "rediss://:${random_password.redis.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:6379"
    internal_token_secret  = random_password.internal_token.result
    metrics_token          = random_password.metrics_token.result
    admin_password         = random_password.admin.result
    stripe_secret_key      = "FILL_IN"
    stripe_webhook_secret  = "FILL_IN"
    stripe_publishable_key = "FILL_IN"
  })

  # The Stripe keys are set by hand after the first apply (deploy/README.md); keep them.
  lifecycle {
    ignore_changes = [secret_string]
  }
}
