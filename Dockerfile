# syntax=docker/dockerfile:1
# Multi-stage build of the jiq command. Build stage: full dev install and tsc; runtime stage:
# production dependencies only (npm ci --omit=dev --ignore-scripts: the root "prepare" script
# builds with dev tools, which the runtime image does not have) plus the compiled dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY e2e/package.json ./e2e/package.json
COPY proto ./proto
COPY scripts ./scripts
COPY tsconfig*.json ./
RUN npm ci --ignore-scripts && node scripts/codegen.mjs && npx tsc -b packages/cli && node scripts/postbuild.mjs

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY e2e/package.json ./e2e/package.json
COPY --from=build /app/packages ./packages
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
USER node
ENTRYPOINT ["node", "packages/cli/dist/bin.js"]
CMD ["--help"]
