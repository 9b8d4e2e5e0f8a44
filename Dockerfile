# paiflow-controller container image: built with Node 24 on Debian, run on distroless Node 24 as a
# numeric non-root user (65532, the distroless "nonroot" user), so that Kubernetes can enforce
# runAsNonRoot without reading /etc/passwd. The runtime stage holds dist/, the production
# node_modules and package.json (read for the version) and nothing else: no shell, no npm, no sources.
#
# Both base images are pinned. node publishes exact version tags; distroless publishes none, so its
# image is pinned by digest (of the :nonroot tag). Refresh both together, for instance with
#   crane digest gcr.io/distroless/nodejs24-debian12:nonroot
# test/packaging/dockerfile.test.ts checks the pins, the user and what the runtime stage copies.

FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
# Dependencies first: this layer is reused as long as the lock file does not change. The `node`
# devDependency (a Node 24 binary for npm scripts on older hosts) is installed here and pruned below;
# the runtime never needs it.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM gcr.io/distroless/nodejs24-debian12@sha256:ac05a8febf24b547f09068149fcd6a071f69629cb2148b6f707a157e7f4c6306
LABEL org.opencontainers.image.title="paiflow-controller" \
      org.opencontainers.image.description="Kubernetes controller that tracks Alibaba Cloud PAI pipeline run nodes as PipelineRunNode resources" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
# V8's heap, sized for the manifests' 512Mi memory limit and 10,000 resources (docs/benchmarks.md,
# "Memory"): a 1 MiB young generation (semi-space) instead of up to 16 MiB, and an old generation
# of at most 160 MiB, so garbage is collected before it costs resident memory (V8 keeps the pages
# it once used). With a larger limit, set NODE_OPTIONS in the Deployment (keep both flags).
ENV NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=160"
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 65532:65532
# 8080: /metrics (--metrics-address); 8081: /healthz and /readyz (--probe-address).
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "dist/cli/main.js"]
CMD ["run"]
