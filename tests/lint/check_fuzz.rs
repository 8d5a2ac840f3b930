//! Property test over the whole lint path — parse, strict schema, model and every rule — on
//! the rule fixtures mutated at random: values replaced, removed or retyped, and config and
//! script text spliced with Redis, Sentinel and shell fragments. Nothing may panic, and every
//! finding must be well-formed and the same on a rerun.

use proptest::prelude::*;
use redis_ha_gen::manifest::{self, Document};
use redis_ha_gen::rules::{self, CheckOptions};
use redis_ha_gen::schema::{self, KubeVersion};
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

/// Lines that steer the model and the rules: directives, their edge values, start-script
/// idioms and quoting that a parser can trip on.
const FRAGMENTS: &[&str] = &[
    "sentinel monitor mymaster redis-0.redis-headless 6379 2",
    "sentinel monitor mymaster 10.0.0.1 6379 9",
    "sentinel monitor mymaster",
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames no",
    "sentinel auth-pass mymaster \"p w\"",
    "sentinel down-after-milliseconds mymaster 0",
    "sentinel failover-timeout mymaster -1",
    "sentinel parallel-syncs mymaster 99999999999999999999",
    "maxmemory 1gb",
    "maxmemory 0",
    "maxmemory 18446744073709551616gb",
    "maxmemory-policy allkeys-lru",
    "maxmemory-policy bogus",
    "save \"\"",
    "save 900",
    "appendonly yes",
    "include /config/other.conf",
    "requirepass \"",
    "requirepass secret",
    "replicaof redis-0 6379",
    "replica-read-only no",
    "min-replicas-to-write 1",
    "bind 0.0.0.0",
    "protected-mode no",
    "\"unbalanced",
    "'half",
    "\\x",
    "if [ \"$(hostname)\" = \"redis-0\" ]; then",
    "fi",
    "case \"$HOSTNAME\" in *-0)",
    "cp /config/sentinel.conf /data/sentinel.conf",
    "cat > /data/redis.conf <<EOF",
    "EOF",
    "exec redis-server /data/redis.conf",
    "exec redis-sentinel /config/sentinel.conf",
    "exec redis-server /config/sentinel.conf --sentinel",
    ". /scripts/lib.sh",
    "$(redis-cli -h redis-sentinel -p 26379 sentinel get-master-addr-by-name mymaster)",
    "${MASTER:-",
    "`",
    "&& ||",
    "{ (",
    "\u{0}",
    "é\u{2028}",
];

#[derive(Clone, Debug)]
enum Mutation {
    /// Replace the node with a leaf.
    Replace(Value),
    /// Remove the node from its parent.
    Remove,
    /// Insert a line into a string node (a config file, a script) at line `n`.
    Splice(&'static str, usize),
    /// Put the node inside a one-element array (a common type error).
    Wrap,
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            Just(0i64),
            Just(-1),
            Just(1),
            Just(3),
            Just(i64::MAX),
            any::<i64>()
        ]
        .prop_map(Value::from),
        Just(Value::from(1.5)),
        prop_oneof![
            Just("".to_string()),
            Just("512Mi".to_string()),
            Just("1Gi".to_string()),
            Just("redis:latest".to_string()),
            Just("None".to_string()),
            prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        ]
        .prop_map(Value::String),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => leaf().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        4 => (prop::sample::select(FRAGMENTS), any::<usize>()).prop_map(|(f, n)| Mutation::Splice(f, n)),
        1 => Just(Mutation::Wrap),
    ]
}

/// Every fixture of the rules' suite, parsed once: the seeds the mutations start from.
fn corpus() -> &'static [Vec<Value>] {
    static CORPUS: OnceLock<Vec<Vec<Value>>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut files = Vec::new();
        collect_yaml(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules"),
            &mut files,
        );
        files.sort();
        files
            .iter()
            .map(|path| {
                let text = std::fs::read_to_string(path).expect("fixture");
                manifest::parse("seed.yaml", &text)
                    .documents
                    .into_iter()
                    .map(|d| d.value)
                    .collect()
            })
            .filter(|docs: &Vec<Value>| !docs.is_empty())
            .collect()
    })
}

fn collect_yaml(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("fixture folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

/// JSON pointers of every node below the roots of `docs`, as (document, pointer).
fn nodes(docs: &[Value]) -> Vec<(usize, String)> {
    fn walk(value: &Value, prefix: String, doc: usize, out: &mut Vec<(usize, String)>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    walk(
                        v,
                        format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1")),
                        doc,
                        out,
                    );
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{prefix}/{i}"), doc, out);
                }
            }
            _ => {}
        }
        if !prefix.is_empty() {
            out.push((doc, prefix));
        }
    }
    let mut out = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        walk(doc, String::new(), i, &mut out);
    }
    out
}

fn apply(docs: &mut [Value], doc: usize, pointer: &str, mutation: &Mutation) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer below the root");
    let key = key.replace("~1", "/").replace("~0", "~");
    match mutation {
        Mutation::Remove => match docs[doc].pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.remove(&key);
            }
            Some(Value::Array(items)) => {
                if let Ok(i) = key.parse::<usize>()
                    && i < items.len()
                {
                    items.remove(i);
                }
            }
            _ => {}
        },
        Mutation::Replace(leaf) => {
            if let Some(node) = docs[doc].pointer_mut(pointer) {
                *node = leaf.clone();
            }
        }
        Mutation::Wrap => {
            if let Some(node) = docs[doc].pointer_mut(pointer) {
                *node = Value::Array(vec![node.take()]);
            }
        }
        Mutation::Splice(fragment, n) => {
            if let Some(Value::String(text)) = docs[doc].pointer_mut(pointer) {
                let mut lines: Vec<&str> = text.lines().collect();
                lines.insert(n % (lines.len() + 1), fragment);
                *text = lines.join("\n") + "\n";
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn mutated_fixtures_never_panic_and_findings_are_well_formed(
        seed in any::<usize>(),
        mutations in prop::collection::vec((any::<usize>(), mutation()), 1..6),
        complete in any::<bool>(),
    ) {
        let corpus = corpus();
        prop_assume!(!corpus.is_empty());
        let mut values = corpus[seed % corpus.len()].clone();
        for (pick, mutation) in &mutations {
            let nodes = nodes(&values);
            if nodes.is_empty() {
                break;
            }
            let (doc, pointer) = &nodes[pick % nodes.len()];
            apply(&mut values, *doc, pointer, mutation);
        }
        let built: Vec<Document> = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| Document::from_value("fuzz.yaml", i, v))
            .collect();
        // Through text, as `lint` sees it: positions come from the parser.
        let text = manifest::to_yaml(&built).unwrap_or_default();
        let parsed = manifest::parse("fuzz.yaml", &text);

        let options = CheckOptions { complete, ..CheckOptions::default() };
        let ids: Vec<&str> = rules::registry().iter().map(|r| r.id).collect();
        let mut findings = parsed.findings.clone();
        for document in &parsed.documents {
            findings.extend(schema::validate(document, KubeVersion::default()));
        }
        let checked = rules::check(&parsed.documents, &options);
        prop_assert_eq!(&checked, &rules::check(&parsed.documents, &options), "a rerun differs");
        findings.extend(checked);
        for f in &findings {
            prop_assert!(ids.contains(&f.rule.as_str()), "unregistered rule {}", f.rule);
            prop_assert!(!f.message.is_empty(), "{} has no message", f.rule);
            prop_assert!(f.line.is_none_or(|l| l >= 1 && l <= text.lines().count() + 1), "{:?}", f);
            prop_assert!(f.column.is_none_or(|c| c >= 1), "{:?}", f);
            prop_assert!(f.file.as_deref().is_none_or(|file| file == "fuzz.yaml"), "{:?}", f);
        }
    }
}
