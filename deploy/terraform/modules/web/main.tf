# The web app's static files from S3 through CloudFront, with WAF in front; /api/*,
# /.well-known/* and /health/* go to the ALB (api.<domain>) as a second origin, so the page and
# its API share one origin (the CSP's connect-src 'self'). The ALB itself is made by the AWS
# Load Balancer Controller from deploy/k8s's Ingress; its regional WAF ACL and certificate are
# made here. Route 53 holds the environment's zone.
#
# CloudFront's certificate and WAF ACL must live in us-east-1: the `aws.us_east_1` provider.

terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      configuration_aliases = [aws.us_east_1]
    }
  }
}

resource "aws_route53_zone" "main" {
  name = var.domain
  tags = var.tags
}

module "cert_cloudfront" {
  source  = "terraform-aws-modules/acm/aws"
  version = "~> 5.1"
  providers = {
    aws = aws.us_east_1
  }

  domain_name       = var.domain
  zone_id           = aws_route53_zone.main.zone_id
  validation_method = "DNS"
  tags              = var.tags
}

module "cert_api" {
  source  = "terraform-aws-modules/acm/aws"
  version = "~> 5.1"

  domain_name       = "api.${var.domain}"
  zone_id           = aws_route53_zone.main.zone_id
  validation_method = "DNS"
  tags              = var.tags
}

module "bucket" {
  source  = "terraform-aws-modules/s3-bucket/aws"
  version = "~> 4.2"

  bucket = "${var.name}-web"
  versioning = {
    enabled = true
  }
  server_side_encryption_configuration = {
    rule = {
      apply_server_side_encryption_by_default = {
        sse_algorithm = "AES256"
      }
    }
  }
  block_public_acls                     = true
  block_public_policy                   = true
  ignore_public_acls                    = true
  restrict_public_buckets               = true
  attach_deny_insecure_transport_policy = true
  attach_policy                         = true
  policy                                = data.aws_iam_policy_document.bucket.json
  tags                                  = var.tags
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "CloudFrontReads"
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::${var.name}-web/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [module.cdn.cloudfront_distribution_arn]
    }
  }
}

# Client-side routes (/products/..., /account) get index.html; files and the API keep theirs.
resource "aws_cloudfront_function" "spa" {
  name    = "${var.name}-spa-routes"
  runtime = "cloudfront-js-2.0"
  publish = true
  code    = <<-JS
    function handler(event) {
      var r = event.request;
      if (!r.uri.includes('.')) r.uri = '/index.html';
      return r;
    }
  JS
}

module "cdn" {
  source  = "terraform-aws-modules/cloudfront/aws"
  version = "~> 3.4"

  aliases             = [var.domain]
  comment             = "${var.name} web app"
  enabled             = true
  is_ipv6_enabled     = true
  price_class         = "PriceClass_100"
  default_root_object = "index.html"
  web_acl_id          = aws_wafv2_web_acl.cloudfront.arn

  create_origin_access_control = true
  origin_access_control = {
    web = {
      description      = "web bucket"
      origin_type      = "s3"
      signing_behavior = "always"
      signing_protocol = "sigv4"
    }
  }

  origin = {
    web = {
      domain_name           = module.bucket.s3_bucket_bucket_regional_domain_name
      origin_access_control = "web"
    }
    api = {
      domain_name = "api.${var.domain}"
      custom_origin_config = {
        http_port              = 80
        https_port             = 443
        origin_protocol_policy = "https-only"
        origin_ssl_protocols   = ["TLSv1.2"]
      }
    }
  }

  default_cache_behavior = {
    target_origin_id       = "web"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD", "OPTIONS"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    use_forwarded_values   = false
    cache_policy_name      = "Managed-CachingOptimized"
    function_association = {
      viewer-request = {
        function_arn = aws_cloudfront_function.spa.arn
      }
    }
  }

  ordered_cache_behavior = [
    for path in ["/api/*", "/.well-known/*", "/health/*"] : {
      path_pattern             = path
      target_origin_id         = "api"
      viewer_protocol_policy   = "https-only"
      allowed_methods          = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods           = ["GET", "HEAD"]
      compress                 = true
      use_forwarded_values     = false
      cache_policy_name        = "Managed-CachingDisabled"
      origin_request_policy_id = "b689b0a8-53d0-40ab-baf2-68738e2966ac" # AllViewerExceptHostHeader
    }
  ]

  viewer_certificate = {
    acm_certificate_arn      = module.cert_cloudfront.acm_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  tags = var.tags
}

resource "aws_route53_record" "web" {
  zone_id = aws_route53_zone.main.zone_id
  name    = var.domain
  type    = "A"
  alias {
    name                   = module.cdn.cloudfront_distribution_domain_name
    zone_id                = module.cdn.cloudfront_distribution_hosted_zone_id
    evaluate_target_health = false
  }
}

# api.<domain> -> the ALB the AWS Load Balancer Controller made (known after the first deploy;
# deploy/README.md step 9 sets var.api_alb_dns_name and applies again).
resource "aws_route53_record" "api" {
  count   = var.api_alb_dns_name == "" ? 0 : 1
  zone_id = aws_route53_zone.main.zone_id
  name    = "api.${var.domain}"
  type    = "CNAME"
  ttl     = 300
  records = [var.api_alb_dns_name]
}

# ---- WAF: the same managed rules and per-IP rate limit for CloudFront and the ALB ---------

locals {
  managed_rules = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList"]
}

resource "aws_wafv2_web_acl" "cloudfront" {
  provider = aws.us_east_1
  name     = "${var.name}-cloudfront"
  scope    = "CLOUDFRONT"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = { for i, r in local.managed_rules : r => i }
    content {
      name     = rule.key
      priority = rule.value
      override_action {
        none {}
      }
      statement {
        managed_rule_group_statement {
          name        = rule.key
          vendor_name = "AWS"
        }
      }
      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = rule.key
        sampled_requests_enabled   = true
      }
    }
  }

  rule {
    name     = "per-ip-rate"
    priority = 10
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = var.waf_rate_per_ip_per_5min
        aggregate_key_type = "IP"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "per-ip-rate"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-cloudfront"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl" "regional" {
  name  = "${var.name}-alb"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  dynamic "rule" {
    for_each = { for i, r in local.managed_rules : r => i }
    content {
      name     = rule.key
      priority = rule.value
      override_action {
        none {}
      }
      statement {
        managed_rule_group_statement {
          name        = rule.key
          vendor_name = "AWS"
        }
      }
      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = rule.key
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-alb"
    sampled_requests_enabled   = true
  }

  tags = var.tags
}
