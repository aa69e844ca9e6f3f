#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image (node:24-bookworm-slim) on a machine
# that reaches no image registry: Debian bookworm from debootstrap (minbase) plus Node from the
# npm registry (the `node-linux-<arch>` package the repository's `node` devDependency uses) and
# npm, laid out like the official image (/usr/local/bin/node, user `node` 1000:1000). It is
# imported into podman's storage and tagged with the real base's name, so the production
# Dockerfile builds unchanged with --pull=never (decision 015).
#
#   bash tools/image/build-base.sh          # prints the tag; rebuilds only when the key changed
#   REBUILD_BASE=1 bash tools/image/build-base.sh
#
# Cached between runs: podman keeps the image; its label org.redemption.standin-key names the
# Debian suite, Node and npm versions and this script's hash, so a change to any of them
# rebuilds it. Needs root, debootstrap and podman (apt-get install podman buildah debootstrap).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

BASE_NAME=${BASE_NAME:-docker.io/library/node:24-bookworm-slim}
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The Node the repository itself runs on (package-lock's `node` devDependency), so the image
# runs what the tests ran. npm: the one the project installs with (11.6.2 failed `npm ci` on this
# lockfile: "paths[0] ... Received undefined" in @npmcli/package-json's normalize).
NODE_VERSION=$(node -p "require('$ROOT/package-lock.json').packages['node_modules/node'].version")
NPM_VERSION=${NPM_VERSION:-11.19.1}
case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 ;;
  aarch64) NODE_ARCH=arm64 ;;
  *) echo "build-base: unsupported architecture $(uname -m)" >&2 && exit 1 ;;
esac
SCRIPT_HASH=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)
KEY="debian-$SUITE node-$NODE_VERSION-$NODE_ARCH npm-$NPM_VERSION script-$SCRIPT_HASH"

say() { printf 'build-base: %s\n' "$*" >&2; }

existing=$(podman image inspect --format '{{ index .Labels "org.redemption.standin-key" }}' \
  "$BASE_NAME" 2>/dev/null || true)
if [ "$existing" = "$KEY" ] && [ -z "${REBUILD_BASE:-}" ]; then
  say "cached: $BASE_NAME ($KEY)"
  echo "$BASE_NAME"
  exit 0
fi

WORK=$(mktemp -d /var/tmp/redemption-base.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"
t0=$SECONDS

say "debootstrap --variant=minbase $SUITE (about a minute)"
debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -20 "$WORK/debootstrap.log" >&2
  exit 1
}

say "node $NODE_VERSION ($NODE_ARCH) and npm $NPM_VERSION from the npm registry"
(cd "$WORK" && npm pack --silent "node-linux-$NODE_ARCH@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$WORK/node" "$ROOTFS/usr/local/lib/node_modules/npm"
tar -xzf "$WORK/node-linux-$NODE_ARCH-$NODE_VERSION.tgz" -C "$WORK/node" package/bin/node
install -m 0755 "$WORK/node/package/bin/node" "$ROOTFS/usr/local/bin/node"
tar -xzf "$WORK/npm-$NPM_VERSION.tgz" -C "$ROOTFS/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"

# The official image's user, and what its slim variant leaves out.
chroot "$ROOTFS" groupadd --gid 1000 node
chroot "$ROOTFS" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/usr/share/doc/* \
  "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/var/log/*.log

say "importing into podman as $BASE_NAME"
tar -C "$ROOTFS" --numeric-owner -cf "$WORK/rootfs.tar" .
podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change 'CMD ["node"]' \
  --change "LABEL org.redemption.standin-key=\"$KEY\"" \
  --change 'LABEL org.opencontainers.image.description="local stand-in for node:24-bookworm-slim (tools/image/build-base.sh)"' \
  "$WORK/rootfs.tar" "$BASE_NAME" >/dev/null
say "built in $((SECONDS - t0)) s: $(podman image inspect --format '{{ .Size }}' "$BASE_NAME") bytes"
echo "$BASE_NAME"
