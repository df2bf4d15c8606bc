# pgward in a container: the static (musl) binary and pg_dump (for `pgward apply`'s backup).
#   docker build -t pgward .
#   docker run --rm -v "$PWD:/work" -w /work pgward check supabase/migrations
# Build stage: Rust (the rust-version of Cargo.toml) with a C compiler for ring; no OpenSSL.
FROM rust:1.88-alpine AS build
# musl-dev and make for the C the build compiles (ring, jemalloc); clang-dev for libpg_query's
# bindings.
RUN apk add --no-cache musl-dev make clang-dev
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY rules rules
COPY benches benches
RUN cargo build --release --locked && strip target/release/pgward

# Final stage: pg_dump from PostgreSQL 17's client (dumps servers up to 17: Supabase's 15 and 17).
FROM alpine:3.21
RUN apk add --no-cache postgresql17-client
COPY --from=build /src/target/release/pgward /usr/local/bin/pgward
WORKDIR /work
ENTRYPOINT ["pgward"]
CMD ["--help"]
