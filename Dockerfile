# Switchboard's container image: built in a full Rust image, run from a minimal Debian one as
# an unprivileged user, with the data directory as a volume.
#
#   docker build --build-arg SWITCHBOARD_COMMIT=$(git rev-parse --short HEAD) -t switchboard .
#   docker run -p 8080:8080 -v switchboard-data:/var/lib/switchboard switchboard
#
# The commit is passed in because the build context leaves out .git (.dockerignore);
# `switchboard --version` names it.

FROM rust:1-bookworm AS build
ARG SWITCHBOARD_COMMIT=unknown
ENV SWITCHBOARD_COMMIT=${SWITCHBOARD_COMMIT}
WORKDIR /src
COPY . .
RUN cargo build --profile dist --locked -p switchboard \
 && strip target/dist/switchboard

FROM debian:bookworm-slim
# CA certificates for the HTTPS Switchboard makes (chat alerts, recordings, S3, SMTP over TLS).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/switchboard --shell /usr/sbin/nologin switchboard \
 && mkdir -p /var/lib/switchboard \
 && chown switchboard:switchboard /var/lib/switchboard
COPY --from=build /src/target/dist/switchboard /usr/local/bin/switchboard
USER switchboard
ENV SWITCHBOARD_DATA_DIR=/var/lib/switchboard \
    SWITCHBOARD_LISTEN=0.0.0.0:8080
VOLUME ["/var/lib/switchboard"]
EXPOSE 8080
# The process answers /healthz; the image has no curl, the binary asks itself.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["switchboard", "healthcheck"]
ENTRYPOINT ["switchboard"]
CMD ["serve"]
