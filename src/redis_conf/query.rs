//! Questions asked of one parsed configuration text, answered as Redis loads it: names
//! case-insensitive, quoting undone, the last of repeated directives in force.

use super::{ConfText, Directive};

impl ConfText {
    /// The directive called `name` that Redis keeps: the last one.
    pub fn last(&self, name: &str) -> Option<&Directive> {
        self.directives
            .iter()
            .rev()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }

    /// The value (first argument) of the last `name <value>`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.last(name)?.arg(0)
    }

    /// Whether any directive is called one of `names`.
    pub fn sets_any(&self, names: &[&str]) -> bool {
        self.directives
            .iter()
            .any(|d| names.iter().any(|n| d.name.eq_ignore_ascii_case(n)))
    }

    /// Every `sentinel <sub> …`, in order.
    pub fn sentinel<'a>(&'a self, sub: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.directives.iter().filter(move |d| d.is_sentinel(sub))
    }

    /// The master name of the first `sentinel monitor <master> <host> <port> <quorum>`.
    pub fn monitored_master(&self) -> Option<&str> {
        self.sentinel("monitor").find_map(|d| d.arg(1))
    }

    /// `sentinel <sub> <master> <value>`: the value of the last one for `master`.
    pub fn sentinel_value(&self, sub: &str, master: &str) -> Option<&str> {
        self.directives
            .iter()
            .rev()
            .find(|d| d.is_sentinel(sub) && d.arg(1) == Some(master))?
            .arg(2)
    }
}

#[cfg(test)]
mod tests {
    use crate::redis_conf::parse;

    #[test]
    fn answers_as_redis_loads_the_text() {
        let conf = parse(
            "PORT 6380\nport 6379\n# port 1\ntls-ca-cert-file \"/tls/ca file.crt\"\n\
             sentinel monitor mymaster redis-0 6379 2\n\
             sentinel down-after-milliseconds mymaster 5000\n\
             sentinel down-after-milliseconds other 7000\n\
             SENTINEL down-after-milliseconds mymaster 6000\n",
            0,
        );
        assert_eq!(conf.value("port"), Some("6379"));
        assert_eq!(conf.value("tls-ca-cert-file"), Some("/tls/ca file.crt"));
        assert_eq!(conf.value("maxmemory"), None);
        assert!(conf.sets_any(&["tls-port", "port"]));
        assert!(!conf.sets_any(&["tls-port"]));
        assert_eq!(conf.monitored_master(), Some("mymaster"));
        assert_eq!(
            conf.sentinel_value("down-after-milliseconds", "mymaster"),
            Some("6000")
        );
        assert_eq!(conf.sentinel_value("down-after-milliseconds", "x"), None);
        assert_eq!(parse("port 0\n", 0).monitored_master(), None);
    }
}
