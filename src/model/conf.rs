//! A configuration as one Redis server or Sentinel loads it: its directives in load order
//! (file, `include`s, start-script appends, command-line `--options`), each with its source.

use super::Loc;
use super::source_kind::SourceKind;
use crate::redis_conf::Directive;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::rc::Rc;

/// One directive and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Shared with every other server loading the same text.
    pub directive: Rc<Directive>,
    pub loc: Loc,
}

impl Setting {
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.directive.arg(i)
    }
}

/// What kind of storage a file written at start-up lives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// A PersistentVolumeClaim: survives pod restarts.
    Claim,
    EmptyDir,
    /// No volume: the container's own filesystem.
    Container,
    /// A ConfigMap/Secret mount (writes fail).
    ReadOnly,
    Other,
}

/// Where the configuration file a server is started on comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Read straight from a ConfigMap/Secret volume (read-only); `mount` is the volumeMount.
    Mounted { kind: SourceKind, mount: Loc },
    /// Written at start-up (`cp`, `cat > … <<EOF`) onto `storage`; `at` is the writing command.
    Written { storage: Storage, at: Loc },
    /// No configuration file: Redis's built-in defaults (plus command-line options).
    Defaults,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conf {
    /// The path the server is started with, if any.
    pub path: Option<String>,
    pub origin: Origin,
    pub settings: Vec<Setting>,
    /// Lines Redis would refuse to load.
    pub errors: Vec<(Loc, String)>,
    /// `(sub, master)` → index of the last `sentinel <sub> <master> …` in `settings`, built
    /// on the first `sentinel_value` (after the model is built, when `settings` no longer
    /// changes): one lookup per monitored master instead of a scan of every directive, which
    /// made the Sentinel rules quadratic in the number of `sentinel monitor` lines.
    pub sentinel_index: OnceCell<HashMap<(String, String), usize>>,
}

impl Conf {
    /// Every directive called `name`, in load order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Setting> + 'a {
        self.settings
            .iter()
            .filter(move |s| s.directive.name == name)
    }

    /// The effective (last) directive called `name`.
    pub fn last(&self, name: &str) -> Option<&Setting> {
        self.settings
            .iter()
            .rev()
            .find(|s| s.directive.name == name)
    }

    /// The effective value of the first of `names` that is set (aliases such as
    /// `replica-read-only` / `slave-read-only`).
    pub fn value(&self, names: &[&str]) -> Option<(&str, &Setting)> {
        self.settings
            .iter()
            .rev()
            .find(|s| names.contains(&s.directive.name.as_str()))
            .and_then(|s| Some((s.arg(0)?, s)))
    }

    /// Every `sentinel <sub> …` directive.
    pub fn sentinel<'a>(&'a self, sub: &'a str) -> impl Iterator<Item = &'a Setting> + 'a {
        self.settings
            .iter()
            .filter(move |s| s.directive.is_sentinel(sub))
    }

    /// `sentinel <sub> <master> <value>`: the last value for a master set.
    pub fn sentinel_value(&self, sub: &str, master: &str) -> Option<&Setting> {
        let index = self.sentinel_index.get_or_init(|| {
            let mut index = HashMap::new();
            for (i, s) in self.settings.iter().enumerate() {
                if s.directive.name != "sentinel" {
                    continue;
                }
                if let (Some(sub), Some(master)) = (s.arg(0), s.arg(1)) {
                    index.insert((sub.to_ascii_lowercase(), master.to_string()), i);
                }
            }
            index
        });
        let &i = index.get(&(sub.to_ascii_lowercase(), master.to_string()))?;
        self.settings.get(i)
    }

    /// Whether a `sentinel <sub> yes|no` flag is on at (before) directive index `before`.
    pub fn sentinel_flag_before(&self, sub: &str, line_order: usize) -> bool {
        self.settings[..line_order.min(self.settings.len())]
            .iter()
            .rfind(|s| s.directive.is_sentinel(sub))
            .is_some_and(|s| s.arg(1).is_some_and(|v| v.eq_ignore_ascii_case("yes")))
    }
}
