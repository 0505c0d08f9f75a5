# The Argo CD Config Management Plugin sidecar image: express-waves and helm,
# run by argocd-repo-server as a sidecar (see examples/argocd/).
#
#   docker build -t ghcr.io/your-org/express-waves:0.1.0 .

# 1. A static (musl) release build of express-waves.
FROM rust:1-alpine AS build
RUN apk add --no-cache musl-dev gcc
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY crates ./crates
COPY argocd ./argocd
COPY assets ./assets
COPY benches ./benches
RUN cargo build --release --locked \
 && strip target/release/express-waves \
 && ! ldd target/release/express-waves 2>/dev/null | grep -q '=>'

# 2. helm, from its release archive, checked against its published sum.
FROM alpine:3 AS helm
ARG HELM_VERSION=v3.16.4
ARG TARGETARCH=amd64
RUN apk add --no-cache curl \
 && curl -fsSLO "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && curl -fsSL "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz.sha256sum" | sha256sum -c - \
 && tar -xzf "helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && mv "linux-${TARGETARCH}/helm" /helm

# 3. The sidecar: small, non-root (argocd-cmp-server runs as user 999).
FROM alpine:3
COPY --from=build /src/target/release/express-waves /usr/local/bin/express-waves
COPY --from=helm /helm /usr/local/bin/helm
COPY plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
# helm writes its cache and config under /tmp (an emptyDir in the pod).
ENV HELM_CACHE_HOME=/tmp/helm/cache \
    HELM_CONFIG_HOME=/tmp/helm/config \
    HELM_DATA_HOME=/tmp/helm/data
USER 999
# /var/run/argocd is mounted from argocd-repo-server, which provides the binary.
ENTRYPOINT ["/var/run/argocd/argocd-cmp-server"]
