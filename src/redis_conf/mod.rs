//! Parses `redis.conf` / `sentinel.conf` text into directives, as Redis does
//! (`sdssplitargs` in redis/src/sds.c, `loadServerConfigFromString` in config.c):
//! one directive a line, whole-line `#` comments, `"..."` with C escapes and `'...'`
//! quoting, case-insensitive names, repeated directives kept in order.

mod query;
mod tokenize;

pub use tokenize::split_args;

/// One configuration directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased directive name (`save`, `sentinel`, `maxmemory`).
    pub name: String,
    pub args: Vec<String>,
    /// 0-based line inside the text it came from.
    pub line: usize,
}

impl Directive {
    /// The first argument, if any.
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(String::as_str)
    }

    /// True for `sentinel <sub> ...` with `sub` (case-insensitive).
    pub fn is_sentinel(&self, sub: &str) -> bool {
        self.name == "sentinel" && self.arg(0).is_some_and(|a| a.eq_ignore_ascii_case(sub))
    }
}

/// A line Redis would refuse to load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub message: String,
}

/// The directives of one text, in order, and the lines Redis would reject.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfText {
    pub directives: Vec<Directive>,
    pub errors: Vec<SyntaxError>,
}

/// Parse configuration text. `line_offset` is added to every line (for text embedded in a
/// larger text, e.g. a heredoc in a start script).
pub fn parse(text: &str, line_offset: usize) -> ConfText {
    let mut conf = ConfText::default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_matches([' ', '\t', '\r', '\n']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match split_args(line) {
            Some(mut words) if !words.is_empty() => {
                let name = words.remove(0).to_ascii_lowercase();
                conf.directives.push(Directive {
                    name,
                    args: words,
                    line: i + line_offset,
                });
            }
            Some(_) => {}
            None => conf.errors.push(SyntaxError {
                line: i + line_offset,
                message: "unbalanced quotes in configuration line".into(),
            }),
        }
    }
    conf
}

/// `maxmemory-policy`: Redis's eight eviction policies (the values `config.c` accepts).
pub const MAXMEMORY_POLICIES: [&str; 8] = [
    "volatile-lru",
    "allkeys-lru",
    "volatile-lfu",
    "allkeys-lfu",
    "volatile-random",
    "allkeys-random",
    "volatile-ttl",
    "noeviction",
];

/// Directive names that only a Redis server or Sentinel configuration contains; used to
/// recognise configuration text by content, whatever its file name.
const KNOWN: &[&str] = &[
    "aclfile",
    "acllog-max-len",
    "activedefrag",
    "always-show-logo",
    "appendfilename",
    "appendfsync",
    "appendonly",
    "auto-aof-rewrite-min-size",
    "auto-aof-rewrite-percentage",
    "bind",
    "client-output-buffer-limit",
    "daemonize",
    "databases",
    "dbfilename",
    "dir",
    "include",
    "io-threads",
    "latency-monitor-threshold",
    "lazyfree-lazy-eviction",
    "logfile",
    "loglevel",
    "masterauth",
    "masteruser",
    "maxclients",
    "maxmemory",
    "maxmemory-policy",
    "maxmemory-samples",
    "min-replicas-max-lag",
    "min-replicas-to-write",
    "min-slaves-max-lag",
    "min-slaves-to-write",
    "pidfile",
    "port",
    "protected-mode",
    "rdbcompression",
    "rename-command",
    "repl-backlog-size",
    "repl-diskless-load",
    "repl-diskless-sync",
    "repl-diskless-sync-delay",
    "repl-timeout",
    "replica-announce-ip",
    "replica-announce-port",
    "replica-priority",
    "replica-read-only",
    "replica-serve-stale-data",
    "replicaof",
    "requirepass",
    "save",
    "sentinel",
    "shutdown-timeout",
    "slave-announce-ip",
    "slave-read-only",
    "slaveof",
    "stop-writes-on-bgsave-error",
    "supervised",
    "tcp-backlog",
    "tcp-keepalive",
    "timeout",
    "tls-port",
    "unixsocket",
    "user",
];

/// True if the text reads as Redis/Sentinel configuration: it has directives, and most of
/// them are directives Redis knows (a shell script or a JSON blob does not).
pub fn looks_like_conf(conf: &ConfText) -> bool {
    let known = conf
        .directives
        .iter()
        .filter(|d| KNOWN.binary_search(&d.name.as_str()).is_ok())
        .count();
    known > 0 && known * 2 > conf.directives.len()
}

#[cfg(test)]
mod tests;
