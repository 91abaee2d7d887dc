# syntax=docker/dockerfile:1
# The jiq command as an image. Build stage: full install, codegen, tsc. Runtime stage: Node 22
# LTS slim, production dependencies only, compiled JavaScript only (no sources, no source maps,
# no dev tools), tini as PID 1 (forwards SIGTERM so dispatchers and workers drain, reaps
# children), listening on 0.0.0.0, health endpoints on JIQ_METRICS_PORT.
#
#   docker build -t jiq .
#   docker run --rm jiq --help
#   docker run --rm -p 7400:7400 -p 9464:9464 jiq dispatcher
#
# With TLS and a token (docs/security.md): mount the secrets deploy/gen-certs.sh makes and name them,
#   s="$PWD/deploy/secrets"   # files 0644 in a 0700 folder: mount the files, not the folder
#   docker run --rm -v "$s/jiq_token:/run/secrets/jiq_token:ro" -v "$s/dispatcher_cert:/run/secrets/dispatcher_cert:ro" \
#     -v "$s/dispatcher_key:/run/secrets/dispatcher_key:ro" -e JIQ_AUTH_TOKEN_FILE=/run/secrets/jiq_token \
#     jiq dispatcher --tls-cert /run/secrets/dispatcher_cert --tls-key /run/secrets/dispatcher_key
# (compose.yaml does this for every service with Docker secrets).
#
# Your own job handler (see docs/operations.md): mount it and name it,
#   docker run --rm -v "$PWD/handler.mjs:/handlers/handler.mjs:ro" jiq worker --dispatchers host:7400 --handler /handlers/handler.mjs
# or extend the image (`FROM jiq`, `COPY handler.mjs /handlers/`, `RUN npm install <its deps>` in /handlers).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig*.json ./
COPY packages ./packages
COPY e2e/package.json ./e2e/package.json
COPY proto ./proto
COPY scripts ./scripts
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && node scripts/codegen.mjs \
 && npx tsc -b packages/cli \
 && node scripts/postbuild.mjs
# What the runtime needs of each workspace: its manifest, its compiled JavaScript, the CLI's bin.
RUN mkdir -p /out \
 && for p in packages/*/ e2e/; do mkdir -p "/out/$p" && cp "$p/package.json" "/out/$p"; done \
 && for p in packages/*/; do (cd "$p" && find dist -name '*.js' -exec cp --parents {} "/out/$p" \;); done \
 && cp -r packages/cli/bin /out/packages/cli/

FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    JIQ_HOST=0.0.0.0 \
    JIQ_METRICS_HOST=0.0.0.0 \
    JIQ_METRICS_PORT=9464
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /out/ ./
# --ignore-scripts: the root "prepare" script builds with dev tools, which this stage has not.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY deploy/docker/healthcheck.cjs ./deploy/docker/healthcheck.cjs
USER node
EXPOSE 7400 9464
# Liveness of dispatcher and worker containers (compose checks /readyz on top).
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 CMD ["node", "deploy/docker/healthcheck.cjs", "healthz"]
ENTRYPOINT ["tini", "--", "node", "packages/cli/dist/bin.js"]
CMD ["--help"]
