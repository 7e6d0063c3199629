# The same steps as the README: npm ci, npm run build; then only production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Distroless: no shell, no package manager; runs as nonroot (65532).
FROM gcr.io/distroless/nodejs24-debian13:nonroot
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER 65532:65532
EXPOSE 53/udp 53/tcp 9153/tcp 8080/tcp 8181/tcp
# Node is PID 1 here: the server handles SIGTERM itself (lameduck, then a clean exit).
ENTRYPOINT ["/nodejs/bin/node", "dist/main.js"]
CMD ["-conf", "/etc/coredns/Corefile"]
