# Plaza in a container (docs/decisions/129-production-build.md, README "Running in production").
#   docker build -t plaza .
#   docker run -d --name plaza -p 3000:3000 -v plaza-data:/app/data \
#     -e PUBLIC_URL=https://participa.example.org -e SECRET_KEY=… -e SEED_DEMO=false plaza
#   docker logs -f plaza      # the first start prints the one-time /setup link

# --- build: every dependency (the Remix compiler, esbuild, patch-package), then the production build ---
FROM node:20-bookworm-slim AS build
# better-sqlite3, sharp and @node-rs/argon2 download prebuilt binaries; the toolchain is the fallback.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# postinstall applies patches/ (patch-package) to the Remix packages: they must be here before npm ci.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
# Remix app → build/index.js + public/build/, server → build/server.js; then drop the dev dependencies
# (prune keeps the patched files: it only removes packages).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: node, the production dependencies and the compiled build; no compiler, no sources ---
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_PATH=/app/data/plaza.sqlite
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/build ./build
COPY --from=build --chown=root:root /app/public ./public
# Read at run time beside the build (the list of common passwords refused at sign-up).
COPY --from=build --chown=root:root /app/app/modules/accounts/common-passwords.txt ./app/modules/accounts/common-passwords.txt
# The database lives in the volume, owned by the unprivileged user the server runs as; the code is read-only to it.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "build/server.js"]
