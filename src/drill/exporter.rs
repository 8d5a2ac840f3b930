//! `redis_exporter`: its binary's name, and how its image is told from Redis's.

/// The program `redis_exporter`'s image runs (its entrypoint is `/redis_exporter`); the drill
/// puts the machine's binary on PATH under this name.
pub const EXPORTER: &str = "redis_exporter";

/// Whether `image` (`registry/path/name:tag@digest`) is `redis_exporter`'s.
pub fn is_exporter_image(image: &str) -> bool {
    let name = image.split('@').next().unwrap_or(image);
    let last = name.rsplit('/').next().unwrap_or(name);
    last.split(':').next() == Some(EXPORTER)
}
