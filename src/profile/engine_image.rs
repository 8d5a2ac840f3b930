//! The image follows the engine: a profile that names only the engine gets that engine's
//! pinned image, and an image whose name says it holds the other engine is refused.

use super::Profile;
use super::engine::Engine;

/// `image.repository` and `image.tag` that no source set follow the engine (a profile that
/// says only `engine: valkey` runs the pinned Valkey image).
pub fn apply_image_default(profile: &mut Profile, is_set: impl Fn(&str) -> bool) {
    let engine = profile.engine;
    if !is_set("image.repository") {
        profile.image.repository = engine.repository().into();
    }
    if !is_set("image.tag") {
        profile.image.tag = engine.tag().into();
    }
}

/// An image whose name says it holds the other engine: its binaries are not the ones the
/// scripts call. `(key, value, expected)` for `checks.rs`.
pub fn check(profile: &Profile) -> Option<(String, String, String)> {
    let named = Engine::of_repository(&profile.image.repository)?;
    (named != profile.engine).then(|| {
        (
            "image.repository".to_string(),
            profile.image.repository.clone(),
            format!(
                "a {} image with `engine: {}` (this repository holds {}: set `image.repository` \
                 to {}'s, e.g. `{}`, or `engine: {}`)",
                profile.engine.display(),
                profile.engine.as_str(),
                named.display(),
                profile.engine.display(),
                profile.engine.repository(),
                named.as_str()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_image_fields_follow_the_engine() {
        let mut p = Profile {
            engine: Engine::Valkey,
            ..Profile::default()
        };
        apply_image_default(&mut p, |_| false);
        assert_eq!(p.image.repository, "docker.io/valkey/valkey");
        assert_eq!(p.image.tag, "8.1.11-alpine");
        assert_eq!(check(&p), None);
        let mut p = Profile {
            engine: Engine::Valkey,
            ..Profile::default()
        };
        apply_image_default(&mut p, |key| key == "image.repository");
        assert_eq!(p.image.repository, "docker.io/library/redis");
        let (key, _, wanted) = check(&p).expect("redis image with engine valkey");
        assert_eq!(key, "image.repository");
        assert!(wanted.contains("this repository holds Redis"), "{wanted}");
    }

    #[test]
    fn mirrors_with_other_names_are_left_alone() {
        let mut p = Profile::default();
        p.image.repository = "registry.example.com/cache/server".into();
        assert_eq!(check(&p), None);
        p.image.repository = "registry.example.com/bitnami/valkey".into();
        assert!(check(&p).is_some());
        assert_eq!(Engine::Redis.env()[0], ("ENGINE_SERVER", "redis-server"));
        assert_eq!(Engine::Valkey.env()[1], ("ENGINE_CLI", "valkey-cli"));
        assert_eq!(
            Engine::Valkey.env()[2],
            ("ENGINE_CHECK_RDB", "valkey-check-rdb")
        );
    }
}
