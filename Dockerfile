# syntax=docker/dockerfile:1
# A model server image: `trove serve-model` on a model folder mounted (or copied) at /model.
#   docker build -t trove-serve .
#   docker run -p 8501:8501 -v "$PWD/data/models/digits:/model:ro" trove-serve /model --name digits

# Build: all dependencies, native modules compiled, the code type-checked, then dev dependencies pruned.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm rebuild better-sqlite3 \
  && npx tsc --noEmit -p tsconfig.json \
  && node scripts/build-code.mjs \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime: slim Node 20, production dependencies only, an unprivileged user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8501 \
    TROVE_SERVE_HOST=0.0.0.0 \
    TROVE_LOG_LEVEL=info
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
COPY --from=build /app/src ./src
COPY --from=build /app/migrations ./migrations
USER node
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/v2/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/trove.js", "serve-model"]
CMD ["/model"]
