#!/usr/bin/env bash
# The deploy workflow's web step: syncs the web app's built files to the environment's bucket
# and invalidates index.html. Hashed assets first, cached for a year (their names change with
# their content); index.html last and never cached without revalidation, so no page ever
# points at an asset that is not there yet.
#   bash deploy/scripts/publish-web.sh <dist dir> <bucket> <cloudfront distribution id>
set -euo pipefail

dist=${1:?dist directory}
bucket=${2:?bucket}
distribution=${3:?distribution id}
[ -f "$dist/index.html" ] || { echo "publish-web: $dist/index.html is missing" >&2; exit 2; }

aws s3 sync "$dist/assets" "s3://$bucket/assets" \
  --cache-control "public, max-age=31536000, immutable" --exclude "*.br" --exclude "*.gz"
aws s3 sync "$dist" "s3://$bucket" --exclude "assets/*" --exclude "index.html" \
  --exclude "*.br" --exclude "*.gz" --cache-control "no-cache"
aws s3 cp "$dist/index.html" "s3://$bucket/index.html" --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths /index.html
