# aci-bridge watcher image. Build without a local engine: az acr build -r <registry> -t aci-bridge-watcher:<version> .
# (or docker build -t aci-bridge-watcher .). Stage 1 compiles only the watcher and what it imports
# (tsconfig.watcher.json: dist/watcher + dist/lib, no Functions, simulators or local stack); stage 2 installs
# production dependencies only; the final stage is the small node:22-alpine runtime as the non-root `node` user
# (uid 1000; the chart sets runAsNonRoot and a read-only root filesystem). test/watcher/image.test.ts runs the
# same build and checks every path COPY'd below exists and that the built watcher runs.
FROM node:22-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node node_modules/typescript/bin/tsc -p tsconfig.watcher.json

FROM node:22-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:22-alpine
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /src/package.json ./package.json
COPY --from=build --chown=root:root /src/dist/watcher ./dist/watcher
COPY --from=build --chown=root:root /src/dist/lib ./dist/lib
USER node
EXPOSE 8080
ENTRYPOINT ["node", "dist/watcher/main.js"]
