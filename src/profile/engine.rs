//! The server engine: Redis or Valkey. Everything that differs between the two is here, once:
//! the official image and its pinned tag, the names of the server, CLI and RDB checker
//! binaries (which the pods' scripts read from the env, `ENGINE_SERVER`, `ENGINE_CLI` and
//! `ENGINE_CHECK_RDB`, so one set of scripts serves both), and the image repositories that
//! cannot hold the other engine.
//!
//! Valkey forked Redis 7.2.4 and kept its configuration directives, its replication and
//! Sentinel protocols, and `valkey-server --sentinel`: `redis.conf`, `sentinel.conf` and the
//! scripts' commands are the same for both (the drill runs them on each engine's binary,
//! docs/drill.md, "Engines").

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Which server the pods run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Engine {
    /// Redis (the official `redis` image).
    #[default]
    Redis,
    /// Valkey, the Linux Foundation's fork of Redis 7.2.4 (the official `valkey/valkey`
    /// image).
    Valkey,
}

impl Engine {
    /// `redis` or `valkey`, as the profile spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Redis => "redis",
            Engine::Valkey => "valkey",
        }
    }

    /// The name users know it by.
    pub fn display(self) -> &'static str {
        match self {
            Engine::Redis => "Redis",
            Engine::Valkey => "Valkey",
        }
    }

    /// The official image's repository.
    pub fn repository(self) -> &'static str {
        match self {
            Engine::Redis => "docker.io/library/redis",
            Engine::Valkey => "docker.io/valkey/valkey",
        }
    }

    /// The pinned tag (an exact patch release, Alpine): README, "Engines and versions", says
    /// why each.
    pub fn tag(self) -> &'static str {
        match self {
            Engine::Redis => "7.2.15-alpine",
            Engine::Valkey => "8.1.11-alpine",
        }
    }

    /// The data server (Sentinel is the same binary with `--sentinel`).
    pub fn server(self) -> &'static str {
        match self {
            Engine::Redis => "redis-server",
            Engine::Valkey => "valkey-server",
        }
    }

    /// The command-line client the scripts and probes call.
    pub fn cli(self) -> &'static str {
        match self {
            Engine::Redis => "redis-cli",
            Engine::Valkey => "valkey-cli",
        }
    }

    /// The RDB checker the backup Job and the restore mode verify snapshots with: each
    /// engine's own, since an older engine's refuses a newer RDB format (Redis 7.0's
    /// `redis-check-rdb` stops at Valkey 8's version 11: "Can't handle RDB format version
    /// 11"). Both are the server binary under another name (it checks when called so); the
    /// official images install the name next to the server.
    pub fn check_rdb(self) -> &'static str {
        match self {
            Engine::Redis => "redis-check-rdb",
            Engine::Valkey => "valkey-check-rdb",
        }
    }

    /// The engine an image repository's last path component names (`redis`,
    /// `bitnami/valkey`), if it names one.
    pub fn of_repository(repository: &str) -> Option<Engine> {
        let name = repository.rsplit('/').next().unwrap_or(repository);
        match name {
            "redis" => Some(Engine::Redis),
            "valkey" => Some(Engine::Valkey),
            _ => None,
        }
    }

    /// The pod env the scripts read the binaries' names from.
    pub fn env(self) -> [(&'static str, &'static str); 3] {
        [
            ("ENGINE_SERVER", self.server()),
            ("ENGINE_CLI", self.cli()),
            ("ENGINE_CHECK_RDB", self.check_rdb()),
        ]
    }
}
