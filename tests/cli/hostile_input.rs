//! Hostile input: every case ends in findings or documents within seconds, never a panic,
//! a hang or unbounded memory.

use crate::common;

use redis_ha_gen::manifest::{self, Parsed};
use std::time::{Duration, Instant};

/// Parse and insist on a quick answer; debug builds are slow, the limit is generous.
fn parse_quickly(text: &str) -> Parsed {
    let started = Instant::now();
    let parsed = manifest::parse("hostile.yaml", text);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    parsed
}

fn only_syntax_finding(parsed: &Parsed) -> &redis_ha_gen::finding::Finding {
    assert!(parsed.documents.is_empty(), "{:?}", parsed.documents);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    let finding = &parsed.findings[0];
    assert_eq!(finding.rule, "yaml-syntax");
    assert!(finding.line.is_some());
    finding
}

#[test]
fn empty_and_blank_files_have_no_documents_and_no_findings() {
    for text in [
        "",
        "\n\n",
        "---\n",
        "# just a comment\n",
        "---\n...\n---\n",
        "\u{feff}",
    ] {
        let parsed = parse_quickly(text);
        assert!(
            parsed.documents.is_empty() && parsed.findings.is_empty(),
            "{text:?}"
        );
    }
}

#[test]
fn invalid_utf8_is_one_finding_at_the_bad_byte() {
    let parsed = manifest::parse_bytes("bin.yaml", b"kind: A\nname: caf\xe9\n");
    let finding = only_syntax_finding(&parsed);
    assert_eq!((finding.line, finding.column), (Some(2), Some(10)));
    assert!(finding.message.contains("not UTF-8"), "{}", finding.message);
}

#[test]
fn binary_files_give_findings_not_panics() {
    // A deterministic pseudo-random "binary" file (xorshift), plus NULs and control bytes.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let parsed = manifest::parse_bytes("random.bin", &bytes);
    assert!(parsed.documents.is_empty());
    assert!(!parsed.findings.is_empty());
    // Valid UTF-8 that is still binary (NUL and other control characters).
    let parsed = parse_quickly("kind: A\x00\x01\x02\nx: \x07\n");
    assert!(!parsed.findings.is_empty(), "{parsed:?}");
}

#[test]
fn an_alias_bomb_is_refused_quickly() {
    let mut text =
        String::from("kind: Bomb\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("---\nkind: After\n");
    let parsed = parse_quickly(&text);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    assert!(
        parsed.findings[0].message.contains("alias"),
        "{}",
        parsed.findings[0].message
    );
    // The document after the bomb is still read.
    let kinds: Vec<_> = parsed.documents.iter().map(|d| d.kind()).collect();
    assert_eq!(kinds, ["After"]);
}

#[test]
fn ten_thousand_levels_of_nesting_are_refused() {
    let depth = 10_000;
    let flow = format!("kind: A\nx: {}{}\n", "[".repeat(depth), "]".repeat(depth));
    let flow_maps = format!(
        "kind: A\nx: {}1{}\n",
        "{a: ".repeat(depth),
        "}".repeat(depth)
    );
    let block_seq = format!("kind: A\nx:\n{}1\n", "- ".repeat(depth));
    // Indented block mappings grow quadratically: 1,000 levels are already 0.5 MB.
    let block_map: String = (0..1000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    for text in [flow, flow_maps, block_seq, block_map] {
        let parsed = parse_quickly(&text);
        let finding = only_syntax_finding(&parsed);
        assert!(
            finding.message.contains("deeper") || finding.message.contains("recursion"),
            "{}",
            finding.message
        );
    }
}

#[test]
fn aliases_cannot_nest_past_the_depth_limit() {
    let mut text = String::from("kind: A\nl0: &l0 [x]\n");
    for i in 1..400 {
        text.push_str(&format!("l{i}: &l{i} [*l{}]\n", i - 1));
    }
    let parsed = parse_quickly(&text);
    let finding = only_syntax_finding(&parsed);
    assert!(finding.message.contains("deeper"), "{}", finding.message);
}

#[test]
fn a_fifty_megabyte_document_is_a_finding_and_the_rest_is_read() {
    let mut text = String::from("kind: ConfigMap\ndata:\n  big: |\n");
    let line = "    0123456789012345678901234567890123456789012345678901234567890123456789\n";
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(line);
    }
    text.push_str("---\nkind: Small\n");
    let parsed = parse_quickly(&text);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    assert_eq!(parsed.findings[0].line, Some(1));
    assert!(
        parsed.findings[0].message.contains("MiB"),
        "{}",
        parsed.findings[0].message
    );
    assert_eq!(parsed.documents.len(), 1);
    assert_eq!(parsed.documents[0].kind(), "Small");
}

#[test]
fn a_large_document_below_the_limit_parses() {
    let mut text = String::from("kind: ConfigMap\ndata:\n");
    let mut i = 0;
    while text.len() < 4 * 1024 * 1024 {
        text.push_str(&format!("  key{i}: \"value number {i}\"\n"));
        i += 1;
    }
    let parsed = parse_quickly(&text);
    assert!(parsed.findings.is_empty());
    assert_eq!(
        parsed.documents[0].value["data"]
            .as_object()
            .map(|m| m.len()),
        Some(i)
    );
}

#[test]
fn many_documents_in_one_file_parse() {
    let text = "kind: A\nmetadata: {name: x}\n---\n".repeat(50_000);
    let parsed = parse_quickly(&text);
    assert!(parsed.findings.is_empty());
    assert_eq!(parsed.documents.len(), 50_000);
}

#[test]
fn duplicate_keys_are_a_finding_and_the_document_is_kept() {
    let text = "kind: ConfigMap\nmetadata:\n  name: a\n  name: b\n";
    let parsed = parse_quickly(text);
    assert_eq!(parsed.documents.len(), 1);
    assert_eq!(parsed.findings.len(), 1, "{:#?}", parsed.findings);
    let finding = &parsed.findings[0];
    assert_eq!((finding.line, finding.column), (Some(4), Some(3)));
    assert!(
        finding
            .message
            .contains("duplicate key `name` (first at line 3)"),
        "{}",
        finding.message
    );
    assert_eq!(finding.object.as_deref(), Some("ConfigMap/b"));
}

// ---- The binary against hostile input (security review, issue 10) --------------------------

mod cli {
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::path::Path;
    use std::process::{Command, Output};
    use std::time::{Duration, Instant};

    /// The injection every field below carries: on GitHub Actions a line starting with `::`
    /// is a workflow command.
    const INJECTED: &str = "\n::error file=evil.yaml,line=1::INJECTED";

    use crate::common::binary;

    /// Run with `stdin` and insist on a quick answer (debug builds are slow: generous).
    fn run(command: &mut Command, stdin: &[u8]) -> Output {
        let started = Instant::now();
        // The binary may refuse before reading it all: a broken pipe is fine.
        let out = crate::common::run_with_stdin(command, stdin);
        assert!(started.elapsed() < Duration::from_secs(10), "{command:?}");
        out
    }

    /// No line of `text` is a workflow command other than our own annotations, and no
    /// terminal control character (ESC, BEL, CR) is in it.
    fn assert_neutral(text: &str, what: &str) {
        for line in text.lines() {
            let line = line.trim_start();
            assert!(
                !line.starts_with("::error file=evil.yaml"),
                "{what}: an injected workflow command:\n{text}"
            );
            if line.starts_with("::") {
                assert!(
                    ["::error ", "::warning ", "::notice "]
                        .iter()
                        .any(|ours| line.starts_with(ours)),
                    "{what}: {line}"
                );
            }
        }
        for c in ['\x1b', '\x07', '\r'] {
            assert!(!text.contains(c), "{what}: raw {c:?} in:\n{text}");
        }
    }

    /// A ConfigMap whose name carries ESC, BEL and CR and whose (duplicated) annotation key
    /// carries the injection: the duplicate is a finding that quotes the key and the object.
    fn hostile_manifest() -> String {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"evil\\e]0;pwned\\a\\r::error file=evil.yaml,line=1::INJECTED\"\n  annotations:\n    \"k{key}\": a\n    \"k{key}\": b\ndata: {{}}\n",
            key = INJECTED.replace('\n', "\\n")
        )
    }

    #[test]
    fn lint_output_carries_no_injected_command_and_no_terminal_escape() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("evil{INJECTED}.yaml"));
        std::fs::write(&file, hostile_manifest()).unwrap();
        for format in ["text", "github", "json", "sarif"] {
            let out = run(binary().args(["lint", "--format", format]).arg(&file), b"");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(1), "{format}: {stdout}");
            assert!(stdout.contains("INJECTED"), "{format}: {stdout}");
            assert_neutral(&stdout, format);
            assert_neutral(&String::from_utf8_lossy(&out.stderr), format);
            let out = run(
                binary()
                    .args(["lint", "--format", format, "--stdin-filename"])
                    .arg(format!("stdin{INJECTED}\x1b[2J.yaml"))
                    .arg("-"),
                hostile_manifest().as_bytes(),
            );
            assert_eq!(out.status.code(), Some(1), "{format}");
            assert_neutral(&String::from_utf8_lossy(&out.stdout), format);
        }
        // The text format shows what was there, escaped.
        let out = run(binary().args(["lint"]).arg(&file), b"");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("evil\\n::error file=evil.yaml,line=1::INJECTED.yaml:"),
            "{stdout}"
        );
        assert!(
            stdout.contains("= ConfigMap/evil\\x1b]0;pwned\\x07\\r::error"),
            "{stdout}"
        );
    }

    #[test]
    fn errors_on_stderr_carry_no_injected_command() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join(format!("missing{INJECTED}\x1b[2J.yaml"));
        for format in ["text", "github"] {
            let out = run(
                binary().args(["lint", "--format", format]).arg(&missing),
                b"",
            );
            assert_eq!(out.status.code(), Some(2));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("missing\\n::error"), "{stderr}");
            assert_neutral(&stderr, "stderr");
        }
        let out = run(
            binary()
                .args(["--profile", "kind", "--set"])
                .arg(format!("labels.team=a{INJECTED}")),
            b"",
        );
        assert_eq!(out.status.code(), Some(2));
        assert_neutral(&String::from_utf8_lossy(&out.stderr), "--set");
        let unknown = dir.path().join("unknown.yaml");
        std::fs::write(
            &unknown,
            // One profile field, so the file is a profile and the hostile key is reported.
            format!(
                "sentinel: {{}}\n\"x{}\": 1\n",
                INJECTED.replace('\n', "\\n")
            ),
        )
        .unwrap();
        let out = run(
            binary().args(["--profile", "kind", "-f"]).arg(&unknown),
            b"",
        );
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unknown field"), "{stderr}");
        assert_neutral(&stderr, "unknown field");
    }

    /// `--set PATH=VALUE` on the kind profile: exit 2, nothing on stdout, and stderr naming
    /// the field and the rule.
    fn refused_set(set: &str, field: &str, rule: &str) {
        let out = run(binary().args(["--profile", "kind", "--set", set]), b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--set {set:?}: {stderr}");
        assert!(out.stdout.is_empty(), "--set {set:?} rendered");
        assert!(
            stderr.contains(&format!("`{field}` (--set ")),
            "--set {set:?}: {stderr}"
        );
        assert!(stderr.contains(rule), "--set {set:?}: {stderr}");
        assert!(!stderr.contains("internal error"), "{stderr}");
        assert_neutral(&stderr, set);
    }

    /// `extends:` of a file that is not a profile (its lines read as keys with null values,
    /// which used to be dropped as "the default"): exit 2, nothing rendered, and the file's
    /// content not echoed. A typo'd key with a null value is refused the same way.
    #[test]
    fn a_file_that_is_not_a_profile_is_refused_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let shadow = dir.path().join("shadow");
        std::fs::write(
            &shadow,
            "root:$6$c2VjcmV0:20228:0:99999:7:::
daemon:*:20228::::::
",
        )
        .unwrap();
        let profile = dir.path().join("p.yaml");
        std::fs::write(
            &profile,
            format!(
                "extends: {}
",
                shadow.display()
            ),
        )
        .unwrap();
        for spec in [&profile, &shadow] {
            let out = run(binary().arg("--profile").arg(spec), b"");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{spec:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{spec:?} rendered");
            assert!(stderr.contains("not a redis-ha-gen profile"), "{stderr}");
            assert!(
                !stderr.contains("c2VjcmV0") && !stderr.contains("daemon"),
                "{stderr}"
            );
        }
        let typo = dir.path().join("typo.yaml");
        std::fs::write(
            &typo,
            "extends: kind
sentinel:
  quorm:
",
        )
        .unwrap();
        let out = run(binary().arg("--profile").arg(&typo), b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("unknown field `sentinel.quorm`"),
            "{stderr}"
        );
    }

    #[test]
    fn profile_values_that_would_inject_or_break_the_config_are_refused() {
        refused_set(
            "redis.maxmemoryPolicy=allkeys-lru\nrename-command CONFIG \"\"",
            "redis.maxmemoryPolicy",
            "no control characters",
        );
        refused_set(
            "redis.maxmemoryPolicy=allkeys-lru $(id)",
            "redis.maxmemoryPolicy",
            "one of volatile-lru, allkeys-lru,",
        );
        refused_set(
            "sentinel.masterName=my\nmaster",
            "sentinel.masterName",
            "no control characters",
        );
        refused_set(
            "sentinel.masterName=my\rmaster",
            "sentinel.masterName",
            "no control characters",
        );
        refused_set(
            "sentinel.masterName=x/e;#",
            "sentinel.masterName",
            "a master set name",
        );
        refused_set(
            "sentinel.masterName=redis/prod",
            "sentinel.masterName",
            "a master set name",
        );
        refused_set(
            "redis.minReplicasToWrite=4294967295",
            "redis.minReplicasToWrite",
            "at most `redis.replicas` − 1 = 2",
        );
        refused_set("redis.port=0", "redis.port", "a port from 1 to 65535");
        refused_set(
            "sentinel.port=6379",
            "sentinel.port",
            "a port other than `redis.port`",
        );
        refused_set("image.tag=7.0;$(id)", "image.tag", "an image tag");
        refused_set(
            "image.pullPolicy=Sometimes",
            "image.pullPolicy",
            "one of Always",
        );
        refused_set(
            "redis.storage.storageClassName=../../etc$(id)",
            "redis.storage.storageClassName",
            "StorageClass",
        );
        refused_set(
            "metrics.runbookBaseUrl=javascript:alert(document.domain)",
            "metrics.runbookBaseUrl",
            "`http://` or `https://` URL",
        );
        refused_set(
            "auth.existingSecret=Redis Auth",
            "auth.existingSecret",
            "DNS-1123 subdomain",
        );
        refused_set(
            "auth.secretKey=../pw",
            "auth.secretKey",
            "a key of a Secret",
        );
        refused_set(
            "scheduling.topologyKey=a b",
            "scheduling.topologyKey",
            "a label key",
        );
        refused_set("labels.team=$(id)", "labels.team", "a label value");
    }

    /// The profile schema carries the same constraints, so editors flag them too.
    #[test]
    fn the_profile_schema_states_the_same_constraints() {
        let out = run(binary().args(["schema", "profile"]), b"");
        let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let defs = &schema["$defs"];
        assert_eq!(
            defs["Redis"]["properties"]["maxmemoryPolicy"]["enum"][0],
            "volatile-lru"
        );
        assert_eq!(defs["Redis"]["properties"]["port"]["minimum"], 1);
        assert_eq!(defs["Redis"]["properties"]["port"]["maximum"], 65535);
        assert!(defs["Sentinel"]["properties"]["masterName"]["pattern"].is_string());
        assert!(defs["Image"]["properties"]["pullPolicy"]["enum"].is_array());
        assert!(defs["Image"]["properties"]["tag"]["pattern"].is_string());
        assert!(schema["properties"]["labels"]["propertyNames"]["pattern"].is_string());
        let validator = jsonschema::validator_for(&schema).unwrap();
        let kind: serde_json::Value = {
            let out = run(binary().args(["show-profile", "kind", "-o", "json"]), b"");
            serde_json::from_slice(&out.stdout).unwrap()
        };
        assert!(
            validator.is_valid(&kind),
            "the kind profile fails its own schema"
        );
        for (pointer, bad) in [
            ("/redis/maxmemoryPolicy", "allkeys-lru $(id)"),
            ("/sentinel/masterName", "x/e;#"),
            ("/image/tag", "7.0;$(id)"),
            ("/redis/storage/storageClassName", "../../etc$(id)"),
            ("/metrics/runbookBaseUrl", "javascript:alert(1)"),
        ] {
            let mut profile = kind.clone();
            *profile.pointer_mut(pointer).unwrap() = bad.into();
            assert!(!validator.is_valid(&profile), "{pointer} = {bad}");
        }
    }

    /// Peak memory of the children this test process has waited for, in MiB.
    fn children_peak_mib() -> i64 {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes the struct it is given.
        unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
        // SAFETY: initialised above (zeroed, then filled).
        let usage = unsafe { usage.assume_init() };
        usage.ru_maxrss / 1024
    }

    #[test]
    fn endless_and_huge_inputs_are_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let sparse = dir.path().join("sparse.yaml");
        std::fs::File::create(&sparse)
            .unwrap()
            .set_len(1 << 30)
            .unwrap();
        let zero = Path::new("/dev/zero");
        let cases: Vec<(Command, &str)> = vec![
            (
                {
                    let mut c = binary();
                    c.arg("lint").arg(zero);
                    c
                },
                "not a regular file",
            ),
            (
                {
                    let mut c = binary();
                    c.arg("lint").arg(&sparse);
                    c
                },
                "is 1024 MiB, more than the input limit of 16 MiB",
            ),
            (
                {
                    let mut c = binary();
                    c.args(["--profile", "kind", "-f"]).arg(zero);
                    c
                },
                "not a regular file",
            ),
            (
                {
                    let mut c = binary();
                    c.args(["--profile"]).arg(&sparse);
                    c
                },
                "more than the input limit",
            ),
            (
                {
                    let mut c = binary();
                    c.args(["lint", "--config"]).arg(zero).arg(&sparse);
                    c
                },
                "not a regular file",
            ),
            (
                {
                    let mut c = binary();
                    c.args(["drill", "--manifests"]).arg(zero);
                    c
                },
                "not a regular file",
            ),
        ];
        for (mut command, message) in cases {
            let out = run(&mut command, b"");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command:?}: {stderr}");
            assert!(stderr.contains(message), "{command:?}: {stderr}");
        }
        // stdin is read one byte past the limit and no further.
        let mut lint = binary();
        lint.args(["lint", "--max-input-bytes", "1000000", "-"]);
        let out = lint
            .stdin(std::fs::File::open(zero).unwrap())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("stdin holds more than the input limit of 1000000 bytes"),
            "{stderr}"
        );
        let peak = children_peak_mib();
        assert!(peak < 200, "a child peaked at {peak} MiB");
    }

    /// A "server" on 127.0.0.1 that answers every connection with `answer`, then closes.
    fn fake_server(answer: fn(&mut std::net::TcpStream)) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut stream = stream;
                    let mut request = [0; 256];
                    let _ = stream.read(&mut request);
                    answer(&mut stream);
                });
            }
        });
        address
    }

    #[test]
    fn status_gives_a_trickling_server_a_deadline() {
        let address = fake_server(|stream| {
            // A byte a second, never a whole reply.
            for _ in 0..60 {
                if stream.write_all(b"+").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        let started = Instant::now();
        let out = run(binary().args(["status", "--timeout", "3", &address]), b"");
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&address), "{stderr}");
        assert!(
            stderr.contains("no complete answer before the deadline"),
            "{stderr}"
        );
        assert!(took < Duration::from_secs(6), "took {took:?}");
    }

    #[test]
    fn status_refuses_a_huge_reply_without_holding_it() {
        let address = fake_server(|stream| {
            // A 60 MiB bulk string (under the per-string cap) as an array of five: 300 MiB.
            let _ = stream.write_all(b"*5\r\n");
            let chunk = vec![b'x'; 1 << 20];
            for _ in 0..5 {
                let _ = stream.write_all(format!("${}\r\n", 60 << 20).as_bytes());
                for _ in 0..60 {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                }
                let _ = stream.write_all(b"\r\n");
            }
        });
        let out = run(binary().args(["status", &address]), b"");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&address), "{stderr}");
        assert!(stderr.contains("larger than 16 MiB in all"), "{stderr}");
        let peak = children_peak_mib();
        assert!(peak < 200, "a child peaked at {peak} MiB");
    }

    #[test]
    fn status_shows_terminal_escapes_in_replies_as_text() {
        let address = fake_server(|stream| {
            let _ = stream.write_all(b"-ERR \x1b[2J\x1b]0;pwned\x07evil\r\n");
        });
        let out = run(binary().args(["status", &address]), b"");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("ERR \\x1b[2J\\x1b]0;pwned\\x07evil"),
            "{stdout}"
        );
        assert_neutral(&stdout, "status");
    }
}

/// `common.sh` compares the master name and the host Sentinel names as exact strings: a name
/// that was a GNU sed command (`…/e;#` ran `id`) or broke the sed line (`redis/prod`, which
/// left Sentinel without a `monitor` line) is data. The real `prepare_sentinel_conf` runs in
/// a bubblewrap sandbox where the ConfigMap is mounted at `/config`, as in the pod, with
/// `ask_sentinels` answering `10.0.0.9`.
#[test]
fn the_start_scripts_never_use_the_master_name_as_a_pattern() {
    let scripts = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/scripts");
    for name in ["x/id>PWNED #/e;#", "redis/prod", "a.b*[c]", "mymaster"] {
        for shell in [&["dash"][..], &["busybox", "ash"]] {
            let dir = tempfile::tempdir().unwrap();
            let config = dir.path().join("config/sentinel");
            let work = dir.path().join("work");
            std::fs::create_dir_all(&config).unwrap();
            std::fs::create_dir_all(&work).unwrap();
            // The password as the pods get it: a file of the Secret's volume.
            std::fs::write(work.join("password"), "secret").unwrap();
            std::fs::write(
                config.join("sentinel.conf"),
                format!(
                    "port 26379\nsentinel resolve-hostnames yes\n\
                     sentinel monitor {name} redis-0.h 6379 2\n\
                     sentinel down-after-milliseconds {name} 5000\n"
                ),
            )
            .unwrap();
            let script = ". /scripts/common.sh
ask_sentinels() { SENTINEL_MASTER=10.0.0.9; }
CONF_DIR=/work/conf
prepare_sentinel_conf
cat /work/conf/sentinel.conf";
            // A root of its own: the host's /usr, the scripts and the ConfigMap as in the pod.
            let sandbox = "--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
                --symlink usr/lib64 /lib64 --symlink usr/sbin /sbin --proc /proc --dev /dev \
                --chdir /work --setenv POD_NAME redis-0 --setenv REPLICAS 3 \
                --setenv REDIS_PASSWORD_FILE /work/password";
            let out = std::process::Command::new("bwrap")
                .args(sandbox.split_whitespace())
                .args([
                    "--ro-bind",
                    scripts,
                    "/scripts",
                    "--setenv",
                    "MASTER_NAME",
                    name,
                ])
                .arg("--ro-bind")
                .arg(dir.path().join("config"))
                .arg("/config")
                .arg("--bind")
                .arg(&work)
                .arg("/work")
                .args(shell)
                .args(["-c", script])
                .output()
                .expect("bwrap (make test-deps installs bubblewrap)");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{shell:?} {name}: {stderr}");
            let lines: Vec<&str> = stdout.lines().collect();
            assert_eq!(
                lines[..3],
                [
                    "sentinel resolve-hostnames yes",
                    &format!("sentinel monitor {name} 10.0.0.9 6379 2"),
                    &format!("sentinel down-after-milliseconds {name} 5000"),
                ],
                "{shell:?} {name}: {stdout}"
            );
            assert!(
                lines.contains(&format!("sentinel auth-pass {name} secret").as_str()),
                "{shell:?} {name}: {stdout}"
            );
            assert!(
                !work.join("PWNED").exists(),
                "{shell:?} ran the name: {stdout}"
            );
        }
    }
}

// ---- Bounded fuzzing of the values a user or an attacker controls -------------------------

mod fuzz {
    use proptest::prelude::*;
    use redis_ha_gen::escape;
    use redis_ha_gen::profile::{ProfileRequest, resolve};

    /// Pieces of hostile values: line breaks, shell and sed syntax, YAML indicators, controls.
    const PIECES: &[&str] = &[
        "\n",
        "\r",
        "\t",
        "\x1b[2J",
        "\x07",
        "\u{9b}",
        "\u{202e}",
        "::",
        "::error::x",
        "$(id)",
        "`id`",
        ";",
        "/e;#",
        "/",
        "\\",
        "\"",
        "'",
        "#",
        ": ",
        "- ",
        "[",
        "{",
        "*",
        "&",
        "%",
        "a",
        "0",
        "1",
        "65535",
        "-1",
        "4294967295",
        "allkeys-lru",
        "mymaster",
        "x.y",
        "-",
        "_",
        " ",
        "é",
        "\u{0}",
        "\u{7f}",
    ];

    /// Fields whose values land in a config file, a name, a label, an image or a URL.
    const FIELDS: &[&str] = &[
        "namespace",
        "name",
        "image.repository",
        "image.tag",
        "image.digest",
        "image.pullPolicy",
        "redis.port",
        "redis.maxmemory",
        "redis.maxmemoryPolicy",
        "redis.minReplicasToWrite",
        "redis.replicas",
        "redis.save",
        "redis.storage.storageClassName",
        "sentinel.port",
        "sentinel.masterName",
        "scheduling.topologyKey",
        "scheduling.nodeSelector.zone",
        "auth.existingSecret",
        "auth.secretKey",
        "labels.team",
        "metrics.runbookBaseUrl",
        "metrics.labels.release",
        "networkPolicy.clientPodLabels.app",
        "tls.existingSecret",
        "clusterDomain",
        "podAnnotations.team",
        "service.type",
        "service.annotations.team",
        "serviceAccount.annotations.team",
        "image.pullSecrets",
        "scheduling.priorityClassName",
        "redis.extraConfig.appendfsync",
        "sentinel.extraConfig.loglevel",
    ];

    fn hostile() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..8).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        /// Whatever `--set` says, the profile is refused with a usage error, or it renders:
        /// never a panic, never an "internal error" (a value that broke the templates).
        #[test]
        fn any_set_value_is_refused_or_renders(
            field in prop::sample::select(FIELDS),
            value in hostile(),
            metrics in any::<bool>(),
        ) {
            let mut sets = vec![format!("{field}={value}")];
            if metrics {
                sets.push("metrics.enabled=true".into());
            }
            let request = ProfileRequest {
                profile: "production".into(),
                sets,
                ..ProfileRequest::default()
            };
            if let Ok(resolved) = resolve(&request) {
                let version = redis_ha_gen::schema::KubeVersion::default();
                if let Err(err) = redis_ha_gen::generate::generate(&resolved, version) {
                    let err = format!("{err:#}");
                    prop_assert!(!err.contains("internal error"), "{field}={value:?}: {err}");
                }
            }
        }

        /// Escaped text has no control character left, and an error line never starts a
        /// workflow command.
        #[test]
        fn escaped_text_is_inert(text in hostile()) {
            let shown = escape::printable(&text);
            prop_assert!(!shown.chars().any(|c| c.is_control() && c != '\t'), "{shown:?}");
            let error = format!("error: {}", escape::message(&text));
            for line in error.lines() {
                prop_assert!(!line.trim_start().starts_with("::"), "{error:?}");
            }
            prop_assert!(!error.chars().any(|c| c.is_control() && c != '\t' && c != '\n'));
        }
    }
}

/// A file name that is not UTF-8 is linted (and named lossily) with the rest of the folder.
#[test]
fn a_file_name_that_is_not_utf8_is_linted_with_the_rest() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n";
    let odd = std::ffi::OsStr::from_bytes(b"bad\xff.yaml");
    std::fs::write(dir.path().join(odd), manifest).unwrap();
    std::fs::write(dir.path().join("good.yaml"), manifest).unwrap();
    let out = common::binary()
        .args(["lint", "--format", "json"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(report["summary"]["files"], 2, "{report}");
    assert_eq!(report["summary"]["objects"], 2, "{report}");
}
