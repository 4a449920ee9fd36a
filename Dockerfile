# syntax=docker/dockerfile:1
# The CRM, self-hosted: the standalone Next.js server (docs/deploy.md).
# docker build -t vibrationfit-crm . && docker run --env-file .env -p 3000:3000 vibrationfit-crm

FROM node:20.20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /app/node_modules ./node_modules
COPY . .
# next build, then the static assets beside the standalone server (package.json "build").
RUN npm run build

FROM node:20.20-bookworm-slim AS run
WORKDIR /app
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000 HOSTNAME=0.0.0.0
# The standalone server carries only the files it needs: its node_modules, the migrations (drizzle/), the static assets.
COPY --from=build --chown=node:node /app/.next/standalone ./
USER node
EXPOSE 3000
# Readiness: the database is open, migrated and answers (liveness is /api/health/live).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# SIGTERM reaches node directly (exec form): in-flight requests finish, the in-process job engine hands its leases back.
CMD ["node", "server.js"]
