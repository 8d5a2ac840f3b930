//! Silence must mean "checked": a container that looks like Redis but whose start the
//! model cannot follow is announced, with what was missing.

use super::rule::{Category, Rule};
use super::sources::CONFIG;
use crate::finding::Severity;
use crate::manifest::JsonPointer;
use crate::model::Loc;

/// Redis's and Sentinel's default ports.
const REDIS_PORTS: [i64; 2] = [6379, 26379];

/// Proxies that listen on Redis's port in front of Redis (HAProxy in the redis-ha chart,
/// Envoy, twemproxy): not a Redis server to analyse or announce.
const PROXIES: &[&str] = &["haproxy", "envoy", "nutcracker", "twemproxy", "predixy"];

fn is_proxy(image: &str) -> bool {
    let repo = image.split('@').next().unwrap_or(image);
    let name = repo.rsplit('/').next().unwrap_or(repo);
    let name = name.split(':').next().unwrap_or(name);
    PROXIES.iter().any(|p| name.contains(p))
}

pub const REDIS_CONTAINER_NOT_UNDERSTOOD: Rule = Rule {
    id: "redis-container-not-understood",
    category: Category::Input,
    severity: Severity::Info,
    summary: "a container exposes port 6379/26379 but how it starts Redis is not understood",
    rationale: "The rules check the Redis servers and Sentinels they can follow: a \
        `redis-server`/`redis-sentinel` (or `valkey-*`) command, the official image's \
        entrypoint forms, `sh -c` and wrapper scripts read from the input, bitnami's start \
        scripts. A container that declares Redis's port but starts in a way none of these \
        explain (a custom image's own entrypoint, a script baked into the image) is not \
        checked at all; saying so keeps an empty report from reading as \"no problems\". \
        A custom image named for Redis that declares port 6379/26379 and runs its own \
        entrypoint is recognised (Redis by port 6379, Sentinel by port 26379, with both \
        by its name or `SENTINEL` env), and so is a Redis image started by a program the \
        input does not show (one an init container puts in place), so the rules on its pod \
        spec and topology run, but its configuration is not in the input: that is \
        announced the same way. Proxies on Redis's port (HAProxy, Envoy, \
        twemproxy) are not Redis and are not announced. (Redis configuration docs.)",
    fix: "Nothing is wrong with the manifest because of this. To have it checked, start the \
        server visibly: `command: [redis-server, /path/redis.conf]` with the file from a \
        ConfigMap, or a start script from a ConfigMap volume that ends in `exec redis-server …`.",
    references: &[CONFIG],
    check: |cx, sink| {
        for w in &cx.model.workloads {
            let Some(doc) = cx.docs.get(w.doc) else {
                continue;
            };
            for c in w.containers.iter().filter(|c| !c.init) {
                let image = c.image.as_deref().unwrap_or("?");
                // A server recognised from its image and pod spec, whose configuration is
                // built into the image or set up by a command the input does not explain
                // (launch.rs, `by_evidence`).
                if let Some(server) = c.server.as_ref()
                    && server.conf.is_none()
                    && (c.words.is_empty() || *server.launch.pointer == *c.pointer)
                {
                    let how = match c.words.first() {
                        None => "whose configuration is built into the image and not in the input"
                            .to_string(),
                        Some(w) => format!(
                            "through `{}`, which the input does not show (a program another image or an init container puts in place)",
                            w.text
                        ),
                    };
                    sink.report(
                        &Loc::new(w.doc, c.pointer.clone()),
                        format!(
                            "container `{}` runs {} from image `{image}` {how}: its settings are not checked",
                            c.name,
                            match server.role {
                                crate::model::Role::Redis => "Redis",
                                crate::model::Role::Sentinel => "Sentinel",
                            }
                        ),
                    );
                    continue;
                }
                if c.server.is_some() || is_proxy(image) {
                    continue;
                }
                let port = doc
                    .value
                    .at(&format!("{}/ports", c.pointer))
                    .and_then(|p| p.as_array())
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("containerPort")?.as_i64())
                    .find(|p| REDIS_PORTS.contains(p));
                let Some(port) = port else {
                    continue;
                };
                let how = if c.words.is_empty() {
                    format!(
                        "it runs the entrypoint of image `{image}`, which the input does not show"
                    )
                } else {
                    "no `redis-server`/`redis-sentinel` is found in its command, args or a start script read from the input".to_string()
                };
                sink.report(
                    &Loc::new(w.doc, c.pointer.clone()),
                    format!(
                        "container `{}` exposes port {port}, but {how}: its Redis is not checked",
                        c.name
                    ),
                );
            }
        }
    },
};
