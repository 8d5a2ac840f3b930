//! Shell functions cut out of the shipped scripts, for tests that run one of them under
//! `dash` beside stubs of what it calls.

use redis_ha_gen::render::SCRIPTS;
use std::ffi::OsStr;
use std::process::Command;

/// The text of the shipped script `name` (`templates/scripts/<name>`).
pub fn script(name: &str) -> &'static str {
    SCRIPTS.iter().find(|(n, _)| *n == name).expect(name).1
}

/// The shell function `name` of `text`, from its `name() {` line to its closing `}`.
pub fn function(text: &str, name: &str) -> String {
    let start = text.find(&format!("\n{name}() {{")).expect(name) + 1;
    let end = start + text[start..].find("\n}\n").expect("closing brace") + 3;
    text[start..end].to_string()
}

/// Runs `text` under `dash -c` with `args` (`$0` first); its stdout, once it exited 0.
pub fn dash_ok<S: AsRef<OsStr>>(text: &str, args: &[S]) -> String {
    let out = Command::new("dash")
        .arg("-c")
        .arg(text)
        .args(args)
        .output()
        .expect("dash is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// common.sh's `ask_all` for loopback servers, one host after the other (hosts are ports
/// here): each reply in `$dir/101`, `$dir/102`… as the script reads them.
pub const ASK_ALL_BY_PORT: &str = r#"ask_all() {
    local dir=$1 n=100 hosts="" host
    shift 2
    while [ "$1" != -- ]; do hosts="$hosts $1"; shift; done
    shift
    for host in $hosts; do
        n=$((n + 1))
        redis-cli -p "$host" "$@" >"$dir/$n"
    done
}"#;

/// A `redis-cli` for scripts whose peers are loopback ports (common.sh's
/// `replicaof_if_following` runs `$REDIS_CLI` itself, commands on its stdin): a
/// `REPLICAOF <port> <any>` line goes to the server as `REPLICAOF 127.0.0.1 <port>` (an
/// address with a dot is kept), after `$ORDER_DELAY` seconds when that is set (a loaded pod's
/// pause between reading the role and sending the order); every other line as it is.
/// `redis-cli`'s errors go to `$CLI_ERRORS` when that is set.
const CLI_HOSTS_ARE_PORTS: &str = r#"#!/bin/sh
while IFS= read -r line; do
    case $line in
        "REPLICAOF "*)
            [ -z "${ORDER_DELAY:-}" ] || sleep "$ORDER_DELAY"
            host=${line#REPLICAOF }
            host=${host%% *}
            case $host in
                *.*) ;;
                *) line="REPLICAOF 127.0.0.1 $host" ;;
            esac
            ;;
    esac
    printf '%s\n' "$line"
done | redis-cli "$@" 2>>"${CLI_ERRORS:-/dev/null}"
"#;

/// Shell that writes CLI_HOSTS_ARE_PORTS into a temporary directory, removed when the shell
/// exits, and sets `REDIS_CLI` to it (the real `redis-cli` stays first on PATH).
pub fn redis_cli_hosts_are_ports() -> String {
    format!(
        "CLI_DIR=$(mktemp -d)\ntrap 'rm -rf \"$CLI_DIR\"' EXIT\n\
         cat >\"$CLI_DIR/redis-cli\" <<'WRAPPER'\n{CLI_HOSTS_ARE_PORTS}WRAPPER\n\
         chmod +x \"$CLI_DIR/redis-cli\"\nREDIS_CLI=$CLI_DIR/redis-cli\n"
    )
}
