# OpenFiskal in a container: one binary on an embedded SQLite database kept in the volume /data.
#
#   docker build -t openfiskal .
#   docker run -d --name openfiskal -p 8080:8080 -v openfiskal-data:/data openfiskal
#   docker logs openfiskal          # the first start prints OPENFISKAL_SETUP_TOKEN=ofk_setup_…
#
# Every setting of `openfiskal serve --help` can be given as an OPENFISKAL_* variable (`-e`), for
# example OPENFISKAL_DATABASE_URL=postgres://… to use PostgreSQL instead of the SQLite file.

# ---- build ----------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release -p openfiskal --locked

# ---- run ------------------------------------------------------------------------------------------
FROM debian:bookworm-slim

# curl is only for the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user that owns the data directory.
RUN groupadd --system --gid 10001 openfiskal \
 && useradd --system --uid 10001 --gid openfiskal --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin openfiskal \
 && mkdir -p /data \
 && chown openfiskal:openfiskal /data

COPY --from=builder /src/target/release/openfiskal /usr/local/bin/openfiskal

# The database and the key-encryption key (which wraps every stored private key) live in /data:
# keep that volume, and back it up as a whole.
ENV OPENFISKAL_LISTEN=0.0.0.0:8080 \
    OPENFISKAL_DATABASE_URL=sqlite:///data/openfiskal.db \
    OPENFISKAL_KEK_FILE=/data/kek.key

VOLUME ["/data"]
WORKDIR /data
USER openfiskal:openfiskal
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz >/dev/null || exit 1

ENTRYPOINT ["openfiskal"]
CMD ["serve"]
