# The local stand-in for python:3.11-slim-bookworm (Docker Hub is unreachable here): Debian bookworm
# from Debian's packages (mmdebstrap) and Debian's Python 3.11, laid out like the official image
# (python and pip in /usr/local/bin).
ARG DEBIAN_IMAGE=finlake-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3.11 python3.11-venv \
 && rm -rf /var/lib/apt/lists/* \
 && python3.11 -m venv /usr/local \
 && python --version
CMD ["python3"]
