//! Reading the files a container sees: ConfigMap/Secret volumes, and files its start
//! scripts (of init containers and its own) write with `cp`, `cat > … <<EOF` or `echo >>`.

use super::conf::{Conf, Origin, Setting};
use super::launch::Script;
use super::workload::{SourceKind, VolumeSource, Workload, data_pointer};
use super::{Loc, Sources};
use crate::manifest::Document;
use crate::redis_conf;

/// Deepest chain of `include`s and copies followed (Redis itself has no limit; loops exist).
const MAX_DEPTH: u8 = 4;

/// A file read from a ConfigMap/Secret volume.
pub struct MountedFile {
    pub text: String,
    /// The data key holding the text.
    pub loc: Loc,
    pub kind: SourceKind,
    /// The volumeMount through which it is read.
    pub mount: Loc,
}

pub struct Files<'a> {
    pub docs: &'a [Document],
    pub sources: &'a Sources,
    pub workload: &'a Workload,
    pub scripts: &'a [Script],
}

impl Files<'_> {
    /// The file at `path` in container `c`, if a ConfigMap/Secret volume provides it.
    pub fn mounted(&self, c: usize, path: &str) -> Option<MountedFile> {
        let container = self.workload.containers.get(c)?;
        let (mount, rel) = self.workload.mount_for(container, path)?;
        let volume = self.workload.volume(&mount.volume)?;
        let VolumeSource::Object {
            kind, name, items, ..
        } = &volume.source
        else {
            return None;
        };
        let file = match (&mount.sub_path, rel.is_empty()) {
            (Some(sub), true) => sub.clone(),
            (None, false) => rel,
            _ => return None,
        };
        let key = if items.is_empty() {
            file
        } else {
            items.iter().find(|(_, p)| *p == file)?.0.clone()
        };
        let ns = self.workload.namespace.clone();
        let doc = *self.sources.get(&(ns, *kind, name.clone()))?;
        let (text, field) = data_text(&self.docs[doc].value, *kind, &key)?;
        Some(MountedFile {
            text,
            loc: Loc::new(doc, data_pointer(field, &key)),
            kind: *kind,
            mount: self.workload.loc(mount.pointer.clone()),
        })
    }

    /// The configuration at `path` as container `c` loads it, `include`s expanded;
    /// `None` when its content cannot be followed.
    pub fn conf(&self, c: usize, path: &str, depth: u8) -> Option<Conf> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut conf = self.written(c, path, depth).or_else(|| {
            let file = self.mounted(c, path)?;
            let (settings, errors) = settings_of(&file.text, &file.loc, 0);
            Some(Conf {
                path: Some(path.to_string()),
                origin: Origin::Mounted {
                    kind: file.kind,
                    mount: file.mount,
                },
                settings,
                errors,
            })
        })?;
        if conf.settings.iter().any(|s| s.directive.name == "include") {
            let mut expanded = Vec::with_capacity(conf.settings.len());
            for s in std::mem::take(&mut conf.settings) {
                match s.arg(0).filter(|_| s.directive.name == "include") {
                    Some(inc) => match self.conf(c, inc, depth + 1) {
                        Some(included) => expanded.extend(included.settings),
                        None => expanded.push(s),
                    },
                    None => expanded.push(s),
                }
            }
            conf.settings = expanded;
        }
        Some(conf)
    }

    /// The file at `path` as the start scripts (init containers, then `c`'s own) leave it.
    fn written(&self, c: usize, path: &str, depth: u8) -> Option<Conf> {
        let mut result: Option<Conf> = None;
        let runs_before = |s: &Script| {
            s.container == c
                || self
                    .workload
                    .containers
                    .get(s.container)
                    .is_some_and(|x| x.init)
        };
        for script in self.scripts.iter().filter(|s| runs_before(s)) {
            for cmd in &script.commands {
                let at = script.at(cmd.line);
                let (settings, errors) = if cmd.words.first().is_some_and(|w| w == "cp") {
                    let Some(src) = copied_source(&cmd.words, path) else {
                        continue;
                    };
                    let Some(from) = self.conf(script.container, src, depth + 1) else {
                        continue;
                    };
                    (from.settings, from.errors)
                } else if cmd.output.as_deref() == Some(path) {
                    match (&cmd.heredoc, cmd.words.first().map(String::as_str)) {
                        (Some((body, first)), _) => settings_of(body, &script.loc, *first),
                        (None, Some("echo" | "printf")) => {
                            let text = echoed(&cmd.words);
                            settings_of(&text, &script.loc, cmd.line)
                        }
                        _ => continue,
                    }
                } else {
                    continue;
                };
                match (&mut result, cmd.append) {
                    (Some(conf), true) => {
                        conf.settings.extend(settings);
                        conf.errors.extend(errors);
                    }
                    _ => {
                        result = Some(Conf {
                            path: Some(path.to_string()),
                            origin: Origin::Written {
                                storage: self.workload.storage(c, path),
                                at,
                            },
                            settings,
                            errors,
                        })
                    }
                }
            }
        }
        result
    }
}

/// The source of `cp [flags] SRC… DST` that lands at `path`.
fn copied_source<'w>(words: &'w [String], path: &str) -> Option<&'w str> {
    let operands: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    let (dst, srcs) = operands.split_last()?;
    srcs.iter().copied().find(|src| {
        let base = src.rsplit('/').next().unwrap_or(src);
        *dst == path || format!("{}/{}", dst.trim_end_matches('/'), base) == path
    })
}

/// The text `echo [-e|-n] WORDS…` or `printf FORMAT` writes.
fn echoed(words: &[String]) -> String {
    let args: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .skip_while(|w| w.starts_with('-'))
        .collect();
    let text = args.join(" ");
    if words[0] == "printf" {
        text.replace("\\n", "\n")
    } else {
        text
    }
}

/// Parse configuration text found at `base` (its lines start at `offset`).
pub fn settings_of(text: &str, base: &Loc, offset: usize) -> (Vec<Setting>, Vec<(Loc, String)>) {
    let parsed = redis_conf::parse(text, offset);
    let at = |line| Loc {
        line: Some(line),
        ..base.clone()
    };
    let settings = parsed
        .directives
        .into_iter()
        .map(|d| Setting {
            loc: at(d.line),
            directive: d,
        })
        .collect();
    let errors = parsed
        .errors
        .into_iter()
        .map(|e| (at(e.line), e.message))
        .collect();
    (settings, errors)
}

/// The text of `key` in a ConfigMap (`data`) or Secret (`stringData`, or base64 `data`),
/// and the field it was found in.
pub fn data_text(
    v: &serde_json::Value,
    kind: SourceKind,
    key: &str,
) -> Option<(String, &'static str)> {
    let get = |field: &str| v.get(field)?.get(key)?.as_str();
    match kind {
        SourceKind::ConfigMap => get("data").map(|t| (t.to_string(), "data")),
        SourceKind::Secret => get("stringData")
            .map(|t| (t.to_string(), "stringData"))
            .or_else(|| Some((String::from_utf8(base64(get("data")?)?).ok()?, "data"))),
    }
}

fn base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base64() {
        assert_eq!(
            base64("cmVxdWlyZXBhc3MgeA==").as_deref(),
            Some(&b"requirepass x"[..])
        );
        assert_eq!(base64("!!"), None);
    }

    #[test]
    fn copy_destinations() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            copied_source(
                &w("cp /cm/sentinel.conf /data/sentinel.conf"),
                "/data/sentinel.conf"
            ),
            Some("/cm/sentinel.conf")
        );
        assert_eq!(
            copied_source(&w("cp -f /cm/sentinel.conf /data/"), "/data/sentinel.conf"),
            Some("/cm/sentinel.conf")
        );
        assert_eq!(
            copied_source(&w("cp /cm/a.conf /data/"), "/data/sentinel.conf"),
            None
        );
    }
}
