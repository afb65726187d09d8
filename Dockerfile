# syntax=docker/dockerfile:1
# Curt: multi-stage build, non-root runtime, healthcheck. See README "Deploy".

# Build: install everything (the TypeScript compiler is a dev dependency), compile, then
# drop dev dependencies so the runtime stage copies production modules only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" builds, and the sources are not copied yet.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY test ./test
COPY bench ./bench
COPY scripts ./scripts
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# argon2 ships prebuilt binaries; rebuild only what needs it for this platform.
RUN npm rebuild argon2

# Runtime: the compiled server, its production modules and the migrations; no compiler,
# no sources, no tests. Runs as the image's unprivileged "node" user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    CURT_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/migrations ./migrations
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers in every role (api, redirect, worker, all).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/curt.js"]
CMD ["serve"]
