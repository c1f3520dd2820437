# civlink: multi-stage build with cargo-chef dependency caching, small non-root runtime.
# Build: docker build -t civlink .   (see docker-compose.yml for PostgreSQL)
# .ci/docker-builder runs the chef, planner and builder stages below outside Docker: change both.
FROM rust:1.95-bookworm AS chef
RUN cargo install cargo-chef --locked --version 0.1.78
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
RUN cargo build --release --locked --bin civlink

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/civlink --create-home civlink
COPY --from=builder /app/target/release/civlink /usr/local/bin/civlink
USER civlink
WORKDIR /var/lib/civlink
ENV CIVLINK_ADDR=0.0.0.0:8000 \
    CIVLINK_LOG_FORMAT=json
EXPOSE 8000
# SIGTERM: stop accepting, finish requests in flight (CIVLINK_SHUTDOWN_GRACE_SECS), close the pool.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:8000/readyz || exit 1
ENTRYPOINT ["civlink"]
CMD ["serve"]
