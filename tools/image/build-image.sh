#!/usr/bin/env bash
# `npm run image`: builds the platform's image from the Dockerfile at the repository root.
#
#   npm run image                      # localhost/redemption:<revision> and localhost/redemption:local
#   IMAGE=localhost/redemption:x npm run image
#   NO_CACHE=1 npm run image           # every layer again (the cold figure)
#
# With podman (these machines): builds the stand-in base first (tools/image/build-base.sh,
# cached), then the unchanged Dockerfile with --pull=never and NODE_IMAGE set to the stand-in's
# name. With a Docker engine (a developer's laptop, GitHub's runners): `docker build` with the
# Dockerfile's own digest-pinned base. Prints the image name, the build time and its size.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"

VERSION=$(node -p "require('./package.json').version")
REVISION=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
IMAGE=${IMAGE:-localhost/redemption:$REVISION}
LOCAL_TAG=localhost/redemption:local
say() { printf 'image: %s\n' "$*" >&2; }

build_args=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "CREATED=$CREATED")
# A TLS-intercepting proxy's CA (these machines trust theirs through NODE_EXTRA_CA_CERTS) goes
# to the npm steps as a build secret: mounted for those commands, never in a layer.
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  build_args+=(--secret "id=extra_ca,src=$NODE_EXTRA_CA_CERTS")
fi
t0=$SECONDS
if command -v podman >/dev/null 2>&1; then
  base=$(bash "$HERE/build-base.sh")
  say "podman build (base: local stand-in $base)"
  # chroot isolation: the default OCI isolation needs cgroups this sandbox does not offer.
  podman build --isolation chroot --pull=never --layers ${NO_CACHE:+--no-cache} \
    --build-arg "NODE_IMAGE=$base" "${build_args[@]}" \
    -t "$IMAGE" -t "$LOCAL_TAG" -f Dockerfile . >&2
  size=$(podman image inspect --format '{{ .Size }}' "$IMAGE")
elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  say "docker build (base: the Dockerfile's pinned digest)"
  DOCKER_BUILDKIT=1 docker build "${build_args[@]}" -t "$IMAGE" -t "$LOCAL_TAG" . >&2
  size=$(docker image inspect --format '{{ .Size }}' "$IMAGE")
else
  say "neither podman nor a Docker engine: apt-get install -y podman buildah debootstrap runc"
  exit 1
fi
say "built $IMAGE in $((SECONDS - t0)) s, $((size / 1024 / 1024)) MiB"
echo "$IMAGE"
