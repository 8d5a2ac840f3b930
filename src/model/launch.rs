//! How a container starts: its start scripts (inline `sh -c`, or a script file from a
//! volume), and the `redis-server` / `redis-sentinel` it finally runs, with which config.

use super::Loc;
use super::bitnami_launch;
use super::conf::{Conf, Origin};
use super::files::Files;
use super::functions;
use super::options::options;
use super::script::Script;
use super::server::{Role, Server};
use super::workload::Word;
use crate::manifest::JsonPointer;
use std::borrow::Cow;

const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "busybox"];
/// Words that may precede the binary on its command line.
const WRAPPERS: &[&str] = &[
    "exec",
    "nohup",
    "gosu",
    "su-exec",
    "env",
    "command",
    "tini",
    "dumb-init",
    "--",
];

fn basename(word: &str) -> &str {
    word.rfind('/').map_or(word, |i| &word[i + 1..])
}

/// The start scripts of container `c`, each preceded by the files it sources (`. FILE`,
/// `source FILE`; the path may use the script's variables), and those by theirs.
pub fn scripts(files: &Files, c: usize) -> Vec<Script> {
    let Some(main) = main_script(files, c) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = Vec::new();
    with_sourced(files, c, main, 0, &mut seen, &mut out);
    out
}

/// `script` after the files it sources (each once, to `MAX_SOURCE_DEPTH`), onto `out`.
fn with_sourced(
    files: &Files,
    c: usize,
    script: Script,
    depth: u8,
    seen: &mut Vec<String>,
    out: &mut Vec<Script>,
) {
    if depth < MAX_SOURCE_DEPTH {
        let mut vars = files.vars(c).cloned().unwrap_or_default();
        super::vars::assign(&script.parsed.commands, &mut vars);
        for cmd in &script.parsed.commands {
            if !matches!(cmd.words.first().map(String::as_str), Some("." | "source")) {
                continue;
            }
            let Some(path) = cmd.words.get(1).map(|p| super::vars::expand(p, &vars)) else {
                continue;
            };
            if seen.iter().any(|s| *s == path) {
                continue;
            }
            seen.push(path.to_string());
            if let Some(sourced) = from_file(files, c, &path) {
                with_sourced(files, c, sourced, depth + 1, seen, out);
            }
        }
    }
    out.push(script);
}

/// How deep `. FILE` inside sourced files is followed.
const MAX_SOURCE_DEPTH: u8 = 4;

fn from_file(files: &Files, c: usize, path: &str) -> Option<Script> {
    let file = files.mounted(c, path)?;
    Some(Script::new(files.cache, c, file.loc, file.text))
}

/// The script container `c` runs: `sh -c TEXT`, `sh FILE`, or a script file as command.
fn main_script(files: &Files, c: usize) -> Option<Script> {
    let words = &files.workload.containers.get(c)?.words;
    let first = words.first()?;
    if SHELLS.contains(&basename(&first.text)) {
        let rest = &words[1..];
        if let Some(i) = rest.iter().position(|w| is_dash_c(&w.text)) {
            let w = rest.get(i + 1)?;
            let text = Cow::Owned(w.text.clone());
            let inline = Script::new(files.cache, c, w.loc.clone(), text);
            // `bash -ec /scripts/start-node.sh` (bitnami): the inline script only runs a
            // script file from a volume, which is the one to read.
            if let [only] = inline.parsed.commands.as_slice()
                && let Some(path) = only.words.first().filter(|p| p.starts_with('/'))
                && !is_server_binary(path)
                && let Some(file) = from_file(files, c, path)
            {
                return Some(file);
            }
            return Some(inline);
        }
        let file = rest.iter().find(|w| !w.text.starts_with('-'))?;
        return from_file(files, c, &file.text);
    }
    if first.text.starts_with('/') && !is_server_binary(&first.text) {
        return from_file(files, c, &first.text);
    }
    None
}

fn is_dash_c(w: &str) -> bool {
    w.len() > 1 && w.starts_with('-') && !w.starts_with("--") && w.ends_with('c')
}

/// The server binaries: Redis's and Valkey's (a fork that kept Redis's configuration).
const BINARIES: &[&str] = &[
    "redis-server",
    "redis-sentinel",
    "valkey-server",
    "valkey-sentinel",
];

fn is_server_binary(word: &str) -> bool {
    // Most words of a script are not a server: the suffix test skips looking for a `/`.
    (word.ends_with("-server") || word.ends_with("-sentinel")) && BINARIES.contains(&basename(word))
}

/// Index of the server binary in a command's words, if it runs one: first, after a known
/// wrapper (`exec`, `gosu`…), or after a wrapper script that ends in `exec "$@"`
/// (`/conf/fix-ip.sh redis-server /conf/redis.conf`, an image's `docker-entrypoint.sh`).
fn binary_index<T: AsRef<str>>(words: &[T]) -> Option<usize> {
    let i = words.iter().position(|w| is_server_binary(w.as_ref()))?;
    let first = words[0].as_ref();
    let wrapper_script = first.ends_with(".sh") || basename(first).contains("entrypoint");
    (i == 0 || WRAPPERS.contains(&first) || (i == 1 && wrapper_script)).then_some(i)
}

/// `words` of command `k` of `script`, with the parameters of the function it is in bound
/// to the arguments of that function's call in container `c`'s scripts (`functions.rs`).
fn called_with(
    files: &Files,
    c: usize,
    script: &Script,
    k: usize,
    words: &[String],
) -> Vec<String> {
    let commands = &script.parsed.commands;
    let Some((name, start)) = functions::enclosing(commands, k) else {
        return words.to_vec();
    };
    let own: Vec<&[super::shell::Command]> = files
        .scripts
        .iter()
        .filter(|s| s.container == c)
        .map(|s| s.parsed.commands.as_slice())
        .collect();
    match functions::call_arguments(&own, name) {
        Some(args) => functions::bind(commands, start, k, words, args),
        None => words.to_vec(),
    }
}

/// The official `redis` and `valkey` images' entrypoint: a container whose `args` (no
/// `command`) start with an option or are a `.conf` path runs the server on them
/// (docker-library `docker-entrypoint.sh`: `set -- redis-server "$@"`).
fn official_entrypoint(container: &super::workload::Container) -> Option<Vec<Word>> {
    let official = official_image(container.image.as_deref()?)?;
    let first = container.words.first()?;
    if container.command_given || !(first.text.starts_with('-') || first.text.ends_with(".conf")) {
        return None;
    }
    let binary = Word {
        text: format!("{official}-server"),
        loc: first.loc.clone(),
    };
    Some(
        std::iter::once(binary)
            .chain(container.words.iter().cloned())
            .collect(),
    )
}

/// `redis` or `valkey` when `image` is that official image (Docker Hub library, Valkey's
/// own, or a mirror of them), whatever the tag.
fn official_image(image: &str) -> Option<&'static str> {
    let repo = image.split('@').next()?;
    let path = match repo.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => path,
        _ => repo,
    };
    let mut parts: Vec<&str> = path.split('/').collect();
    let name = parts.pop()?;
    let owner = parts.last().copied().unwrap_or("library");
    match (owner, name) {
        ("library" | "docker.io" | "valkey", "redis") => Some("redis"),
        ("library" | "docker.io" | "valkey", "valkey") => Some("valkey"),
        _ => None,
    }
}

/// Words of `"${NAME[@]}"` from the script's array assignments (`NAME=(…)`, `NAME+=(…)`),
/// in order; branches are merged as for plain variables.
fn array_words(scripts: &[&Script], name: &str) -> Vec<String> {
    let set = format!("{name}=(");
    let add = format!("{name}+=(");
    let mut out = Vec::new();
    for cmd in scripts.iter().flat_map(|s| s.parsed.commands.iter()) {
        let Some(first) = cmd.words.first() else {
            continue;
        };
        let rest = if let Some(r) = first.strip_prefix(&set) {
            out.clear();
            r
        } else if let Some(r) = first.strip_prefix(&add) {
            r
        } else {
            continue;
        };
        let words = std::iter::once(rest).chain(cmd.words[1..].iter().map(String::as_str));
        for w in words {
            let w = w.strip_suffix(')').unwrap_or(w);
            if !w.is_empty() {
                out.push(w.to_string());
            }
        }
    }
    out
}

/// The server container `c` runs, if any.
pub fn server(files: &Files, c: usize) -> Option<Server> {
    let container = files.workload.containers.get(c)?;
    if container.init {
        return None;
    }
    if let Some(server) = bitnami_launch::cluster_server(files, c) {
        return Some(server);
    }
    let launch: Vec<Word> =
        match binary_index(&container.words.iter().map(|w| &w.text).collect::<Vec<_>>()) {
            Some(i) => container.words[i..].to_vec(),
            None => files
                .scripts
                .iter()
                .filter(|s| s.container == c)
                .flat_map(|s| {
                    s.parsed
                        .commands
                        .iter()
                        .enumerate()
                        .map(move |cmd| (s, cmd))
                })
                .find_map(|(s, (k, cmd))| {
                    // `exec "$SERVER" …`: the binary named by a variable (the generator's
                    // scripts take it from the pod env, `ENGINE_SERVER`).
                    let i = binary_index(&cmd.words).or_else(|| {
                        let vars = files.vars(c)?;
                        let expanded: Vec<Cow<str>> = cmd
                            .words
                            .iter()
                            .map(|w| super::vars::expand(w, vars))
                            .collect();
                        binary_index(&expanded)
                    })?;
                    let words = called_with(files, c, s, k, &cmd.words[i..]);
                    Some(
                        words
                            .into_iter()
                            .map(|text| Word {
                                text,
                                loc: s.at(cmd.line),
                            })
                            .collect(),
                    )
                })
                .unwrap_or_default(),
        };
    let launch = match official_entrypoint(container) {
        Some(words) if launch.is_empty() => words,
        _ => launch,
    };
    if launch.is_empty() {
        let ports = container_ports(files, container);
        let loc = files.workload.loc(container.pointer.clone());
        if !container.words.is_empty() {
            return by_evidence(container, &ports, loc);
        }
        let mut server = image_default(container, &ports, loc)?;
        if let Some(conf) = server.conf.as_mut() {
            conf.settings = image_settings(files.workload, container);
        } else if server.role == Role::Redis {
            server.conf = bitnami_launch::entrypoint_conf(files, container);
        }
        return Some(server);
    }
    let vars = files.vars(c)?;
    let own: Vec<&Script> = files.scripts.iter().filter(|s| s.container == c).collect();
    let launch: Vec<Word> = launch
        .into_iter()
        .flat_map(|w| {
            let array = w
                .text
                .strip_prefix("${")
                .and_then(|t| t.strip_suffix("[@]}"))
                .map(|name| array_words(&own, name));
            let texts = array.unwrap_or_else(|| vec![w.text.clone()]);
            texts
                .into_iter()
                .map(|t| Word {
                    text: super::vars::expand(&t, vars).into_owned(),
                    loc: w.loc.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let sentinel = basename(&launch[0].text).ends_with("-sentinel")
        || launch.iter().any(|w| w.text == "--sentinel");
    let role = if sentinel {
        Role::Sentinel
    } else {
        Role::Redis
    };
    let path = launch
        .get(1)
        .filter(|w| !w.text.starts_with('-'))
        .map(|w| w.text.as_str());
    let mut conf = match path {
        Some(p) => files.conf(c, p, 0),
        None => Some(Conf {
            path: None,
            origin: Origin::Defaults,
            settings: Vec::new(),
            errors: Vec::new(),
            sentinel_index: Default::default(),
        }),
    };
    if let Some(conf) = conf.as_mut() {
        let mut settings = image_settings(files.workload, container);
        settings.append(&mut conf.settings);
        settings.extend(options(&launch[1 + path.is_some() as usize..]));
        conf.settings = files.expand_includes(c, settings, 0);
    }
    Some(Server {
        role,
        launch: launch[0].loc.clone(),
        conf,
    })
}

/// A container with no command runs its image's default: the official `redis` and
/// `valkey` images run the server on built-in defaults. Another image named for Redis
/// (`registry.k8s.io/redis`, `bitnami/redis-sentinel`) runs it on a configuration built into
/// the image, which the input does not show: its role comes from the evidence of the pod
/// spec, and its configuration is unknown (`None`), so no rule judges settings it cannot see.
fn image_default(
    container: &super::workload::Container,
    ports: &[i64],
    loc: Loc,
) -> Option<Server> {
    if official_image(container.image.as_deref()?).is_some() {
        return Some(Server {
            role: Role::Redis,
            launch: loc,
            conf: Some(Conf {
                path: None,
                origin: Origin::Defaults,
                settings: Vec::new(),
                errors: Vec::new(),
                sentinel_index: Default::default(),
            }),
        });
    }
    by_evidence(container, ports, loc)
}

/// A server recognised by its image's name (official or named for Redis/Valkey) and its
/// pod spec's port 6379/26379 — Redis by port 6379 alone, Sentinel by port 26379 alone, by
/// the image's or container's name or `SENTINEL` env when both are declared — whose
/// configuration is unknown (`None`): the rules on its pod spec and topology run, none on
/// settings. For an image's own entrypoint (`image_default`) and for a command the input
/// does not explain (a binary another image or an init container puts in place:
/// tarosky/k8s-redis-ha's `/opt/bin/k8s-redis-ha-server`).
fn by_evidence(container: &super::workload::Container, ports: &[i64], loc: Loc) -> Option<Server> {
    let repo = container.image.as_deref()?.split('@').next()?;
    let name = basename(repo).split(':').next()?;
    let redis_port = ports.iter().any(|p| [6379, 26379].contains(p));
    if !(name.contains("redis") || name.contains("valkey")) || !redis_port {
        return None;
    }
    // One of the two ports decides; both declared, the names and env do (a Redis container
    // may well be told where its Sentinels are: tarosky's `SENTINEL=redis-sentinel`).
    let sentinel = match (ports.contains(&6379), ports.contains(&26379)) {
        (true, false) => false,
        (false, true) => true,
        _ => {
            name.contains("sentinel")
                || container.name.contains("sentinel")
                || container.env.iter().any(|(k, _)| k.contains("SENTINEL"))
        }
    };
    Some(Server {
        role: if sentinel {
            Role::Sentinel
        } else {
            Role::Redis
        },
        launch: loc,
        conf: None,
    })
}

/// The `containerPort`s a container declares.
fn container_ports(files: &Files, container: &super::workload::Container) -> Vec<i64> {
    files
        .docs
        .get(files.workload.doc)
        .and_then(|d| d.value.at(&format!("{}/ports", container.pointer)))
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("containerPort")?.as_i64())
        .collect()
}

/// Defaults an official image changes before any configuration: its Redis is built with
/// `protected-mode no` ("unnecessary in context of Docker", docker-library/redis Dockerfile).
fn image_settings(
    workload: &super::workload::Workload,
    container: &super::workload::Container,
) -> Vec<super::conf::Setting> {
    if container
        .image
        .as_deref()
        .and_then(official_image)
        .is_none()
    {
        return Vec::new();
    }
    let at = workload.loc(format!("{}/image", container.pointer));
    let words = ["--protected-mode", "no"].map(|t| Word {
        text: t.to_string(),
        loc: at.clone(),
    });
    options(&words)
}
