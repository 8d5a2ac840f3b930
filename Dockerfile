# syntax=docker/dockerfile:1
# A small static image of redis-ha-gen for render, lint and status with direct addresses.
# (`status --target kubectl` needs kubectl and `drill` needs root, namespaces and the Redis
# binaries: run those from a host install.) Not built in this project's CI; the release
# workflow (.github/workflows/release.yml) builds it for each tag.
#
#   docker build -t redis-ha-gen .
#   docker run --rm redis-ha-gen --profile production > redis-ha.yaml
#   docker run --rm -v "$PWD:/work" redis-ha-gen lint deploy/redis-ha/

ARG RUST_VERSION=1.95

# Alpine's Rust targets musl and links statically by default: no libc needed at run time.
FROM rust:${RUST_VERSION}-alpine AS build
# Not pinned (hadolint DL3018): musl-dev must be the musl of the image's own Alpine release,
# which the rust tag above chooses, and Alpine's repositories serve only the current build
# of a package, so a pinned version stops building at its next security update.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
# Cache mounts keep the registry and build directory between builds (BuildKit).
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    CARGO_PROFILE_RELEASE_STRIP=symbols cargo build --release --locked --bin redis-ha-gen \
    && cp target/release/redis-ha-gen /redis-ha-gen

# The binary alone, for the release archives: the same build as the image's.
#   docker build --target binary --output type=local,dest=out .
FROM scratch AS binary
COPY --from=build /redis-ha-gen /redis-ha-gen

# The image (the last stage: what `docker build .` builds).
FROM scratch
COPY --from=build /redis-ha-gen /usr/local/bin/redis-ha-gen
# Nobody: the tool only reads manifests and writes to stdout.
USER 65532:65532
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/redis-ha-gen"]
CMD ["--help"]
