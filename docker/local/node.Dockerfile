# The local stand-in for node:24-bookworm-slim (Docker Hub is unreachable here): Debian bookworm from
# Debian's packages (mmdebstrap) plus the pinned Node and npm that `make setup` installed into
# .tools/node from the npm registry. Build context: .tools/node.
ARG DEBIAN_IMAGE=finlake-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY bin/node /usr/local/bin/node
COPY lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home node \
 && node --version && npm --version
CMD ["node"]
