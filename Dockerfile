# syntax=docker/dockerfile:1
# One image for the whole platform; the command picks what runs:
#   redemption serve loyalty | serve gateway | migrate | start | ...   (ENTRYPOINT is the CLI)
# Build:  npm run image   (podman/buildah here; `docker build .` where there is an engine)
# Decision 015 says why it looks like this (no transpile step, node as PID 1, base stand-in).

# Node 24 slim, pinned by digest. The digest is node:24.18.0-bookworm-slim's as pinned in public
# repositories; it cannot be resolved from these machines (no registry), so Dependabot's docker
# ecosystem (.github/dependabot.yml) moves it. `npm run image` builds a local stand-in and passes
# NODE_IMAGE=docker.io/library/node:24-bookworm-slim (same name, no digest) with --pull=never.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS base
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app

# Only the package manifests, so the dependency layers below are rebuilt only when one changes
# (COPY of a glob would flatten the workspace folders).
FROM base AS manifests
COPY . /src
RUN mkdir /manifests \
 && cd /src \
 && find . -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /manifests/ \; \
 && cp package-lock.json .npmrc /manifests/

# Every dependency, dev ones included: the web app's build needs Vite and openapi-typescript.
# --ignore-scripts: no package runs code at install (argon2 and Vite's bundler ship prebuilt
# binaries as optional packages; the `node` devDependency's download is not wanted here).
# extra_ca (optional build secret): a CA bundle for a TLS-intercepting proxy between the build
# and the npm registry, as on these machines; it is mounted for the one command, never stored.
FROM base AS deps-all
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=extra_ca,required=false \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi \
 && npm ci --ignore-scripts --no-audit --no-fund

# The web app's static files (API types from the platform's own OpenAPI document, then Vite).
FROM deps-all AS web
COPY . .
RUN node apps/web/scripts/build-web.ts

# Production dependencies of the platform workspace only (not the web app's React: it is
# served as built files). TypeScript comes along only as cosmiconfig's optional peer (mjml →
# htmlnano → cosmiconfig, to read .ts config files we never have), because the root has it as a
# dev dependency: 23 MB the image does not need, removed.
FROM base AS deps-prod
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    --mount=type=secret,id=extra_ca,required=false \
    if [ -f /run/secrets/extra_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/extra_ca; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      --workspace @redemption/platform --include-workspace-root \
 && rm -rf node_modules/.cache node_modules/.package-lock.json node_modules/typescript \
      node_modules/.bin/tsc node_modules/.bin/tsserver

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/redemption/redemption
ARG NODE_IMAGE
LABEL org.opencontainers.image.title="redemption" \
      org.opencontainers.image.description="Redemption hotel-loyalty commerce platform: one image, the command picks the service" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="UNLICENSED" \
      org.opencontainers.image.vendor="Redemption" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# Read-only root: the process writes only under /tmp (an emptyDir in Kubernetes). DATA_DIR is
# used by `start` (embedded database) alone; `serve` runs against DATABASE_URL.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/tmp/redemption-data \
    TMPDIR=/tmp
WORKDIR /app
# Code and dependencies belong to root and are read-only to the process (uid 1000).
COPY --from=deps-prod /app/node_modules ./node_modules
COPY package.json ./
COPY packages ./packages
COPY services ./services
COPY apps/platform ./apps/platform
COPY --from=web /app/apps/web/dist ./apps/web/dist
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 1000:1000
EXPOSE 8080
# Node is PID 1 and handles SIGTERM itself (installShutdown: readiness 503, drain, close pools,
# exit within SHUTDOWN_TIMEOUT_MS); it spawns no children, so there is nothing to reap.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/apps/platform/src/cli.ts"]
CMD ["start"]
