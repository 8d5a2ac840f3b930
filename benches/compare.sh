#!/usr/bin/env bash
# The performance targets of docs/performance.md, side by side in one run, on this machine:
#   - render: median wall time of `redis-ha-gen --profile kind|production` (release binary,
#     hyperfine; a timed loop here when hyperfine is missing and cannot be installed);
#   - lint: documents per second of the release binary on a corpus of SETS rendered
#     production sets (one namespace and one file a set), and on the same files with every
#     start script and config made distinct (nothing for the model's text cache to share);
#   - the same files through `kubernetes-validate --strict` and `checkov --framework
#     kubernetes` (PyPI, installed into venvs under target/bench/ when missing), and the ratio.
# Every linter runs pinned to one core (taskset), so documents/s compare per core.
# Prints a Markdown table (docs/performance.md "Measurements" is a copy of it).
#
# Usage: benches/compare.sh          SETS=500 benches/compare.sh
#        SKIP_KV=1 / SKIP_CHECKOV=1  leave a comparison out (it is printed as skipped)
# In-process numbers per stage: `cargo bench` (benches/render.rs, benches/lint.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
SETS=${SETS:-250}
LINT_RUNS=${LINT_RUNS:-5}
case "$SETS$LINT_RUNS" in *[!0-9]*) echo "SETS and LINT_RUNS are counts" >&2; exit 2 ;; esac
[ "$SETS" -ge 1 ] && [ "$LINT_RUNS" -ge 1 ] || { echo "SETS and LINT_RUNS must be ≥ 1" >&2; exit 2; }
bin=target/release/redis-ha-gen
work=target/bench
corpus=$work/corpus

# one core for every linter; the other is left to the rest of the machine
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then pin=(taskset -c 1); fi

# Wall seconds of one run of "$@" (output to $out): bash's own clock, no helper process inside.
out=/dev/null
seconds() {
    local TIMEFORMAT=%3R
    { time "$@" >"$out" 2>&1; } 2>&1 || true
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'; }
group() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }
# "✓" or "✗": is $1 $2 $3 (e.g. 6.2 <= 10)?
verdict() { awk -v a="$1" -v op="$2" -v b="$3" \
    'BEGIN { ok = (op == "<=") ? a <= b : a >= b; printf "%s", ok ? "✓" : "✗" }'; }

rows=()
row() { rows+=("| $1 | $2 | $3 |"); }

# A venv under target/bench with package $1 providing command $2, or the command on PATH.
# Prints the command, or nothing (with the reason on stderr) when it cannot be had.
python_tool() {
    local package=$1 command=$2 venv=$work/$3
    if command -v "$command" >/dev/null; then command -v "$command"; return; fi
    if [ ! -x "$venv/bin/$command" ]; then
        echo "installing $package into $venv (PyPI)…" >&2
        { python3 -m venv "$venv" && "$venv/bin/pip" install -q "$package"; } >"$work/$3.install.log" 2>&1 ||
            { echo "could not install $package (see $work/$3.install.log)" >&2; return; }
    fi
    echo "$venv/bin/$command"
}

echo "building the release binary…" >&2
cargo build --release --quiet
load=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$work"
rm -rf "$corpus" && mkdir -p "$corpus"

# -- render -----------------------------------------------------------------------------------
hyperfine=no
if command -v hyperfine >/dev/null ||
    { [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null &&
        { apt-get update -qq && apt-get install -y -qq hyperfine; } >"$work/hyperfine.install.log" 2>&1; }; then
    hyperfine=yes
fi
for profile in kind production; do
    if [ "$hyperfine" = yes ]; then
        hyperfine -N --warmup 10 --runs 200 --export-json "$work/render-$profile.json" \
            "$bin --profile $profile" >/dev/null 2>"$work/hyperfine-$profile.log"
        median=$(python3 -c "import json,sys; print('%.1f' % (json.load(open(sys.argv[1]))['results'][0]['median'] * 1e3))" \
            "$work/render-$profile.json")
        how="hyperfine, 200 runs"
    else
        for _ in $(seq 10); do "$bin" --profile "$profile" >/dev/null; done
        median=$(for _ in $(seq 101); do seconds "$bin" --profile "$profile"; done |
            sort -n | awk '{ t[NR] = $1 } END { printf "%.0f", t[51] * 1000 }')
        how="hyperfine missing: bash time, 101 runs"
    fi
    row "\`redis-ha-gen --profile $profile > /dev/null\`, median wall ($how)" \
        "$median ms" "≤ 10 ms $(verdict "$median" "<=" 10)"
done

# -- corpus -----------------------------------------------------------------------------------
for i in $(seq 0 $((SETS - 1))); do
    "$bin" --profile production --namespace "ns-$i" >"$corpus/set-$i.yaml"
done
# lint's own count of the documents it read is the corpus size every rate divides
"$bin" lint --format json "$corpus" >"$work/lint.json" ||
    echo "lint found errors in the corpus (see $work/lint.json): the numbers below time a failing run" >&2
docs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['objects'])" "$work/lint.json")
echo "corpus: $docs documents in $SETS files ($(du -sh "$corpus" | cut -f1))" >&2

# -- lint -------------------------------------------------------------------------------------
out=/dev/null
lint_seconds=$(for _ in $(seq "$LINT_RUNS"); do seconds "${pin[@]}" "$bin" lint "$corpus"; done |
    sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
lint_rate=$(rate "$docs" "$lint_seconds")
row "\`redis-ha-gen lint\` (release binary, one core, median of $LINT_RUNS)" \
    "$(group "$lint_rate") documents/s ($lint_seconds s)" \
    "≥ 20,000 documents/s $(verdict "$lint_rate" ">=" 20000)"

# -- lint, every text distinct ------------------------------------------------------------------
# The corpus is one chart in SETS namespaces: its start scripts and configs are byte-identical
# and the model reads each distinct text once. The same files with a comment line naming the
# set appended to every block scalar (`key: |`) share nothing: the case that cache favours least.
distinct=$work/distinct
rm -rf "$distinct" && mkdir -p "$distinct"
for file in "$corpus"/*.yaml; do
    name=$(basename "$file" .yaml)
    sed -E "s/^( +[A-Za-z0-9._-]+: \|)$/\1\n    # $name/" "$file" >"$distinct/$name.yaml"
done
out=/dev/null
distinct_seconds=$(for _ in $(seq "$LINT_RUNS"); do seconds "${pin[@]}" "$bin" lint "$distinct"; done |
    sort -n | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }')
row "\`redis-ha-gen lint\`, same files with every script and config made distinct (one core, median of $LINT_RUNS)" \
    "$(group "$(rate "$docs" "$distinct_seconds")") documents/s ($distinct_seconds s)" ""

# -- kubernetes-validate --strict ------------------------------------------------------------
kv=""
if [ "${SKIP_KV:-0}" = 1 ]; then
    why="SKIP_KV=1"
else
    kv=$(python_tool kubernetes-validate kubernetes-validate kv) || true
    why="could not install kubernetes-validate from PyPI (see $work/kv.install.log)"
fi
if [ -n "$kv" ]; then
    out=$work/kv.out
    kv_seconds=$(seconds "${pin[@]}" "$kv" --strict --quiet "$corpus"/*.yaml)
    kv_rate=$(rate "$docs" "$kv_seconds")
    [ -s "$out" ] && echo "kubernetes-validate reported problems (see $out)" >&2
    row "\`kubernetes-validate --strict\` $("$kv" --version 2>/dev/null | head -1), same files, one core" \
        "$(group "$kv_rate") documents/s ($kv_seconds s): lint $(ratio "$lint_rate" "$kv_rate")× faster" \
        "≥ 50× $(verdict "$(ratio "$lint_rate" "$kv_rate")" ">=" 50)"
else
    row "\`kubernetes-validate --strict\`" "skipped: $why" "≥ 50×"
fi

# -- checkov ----------------------------------------------------------------------------------
checkov=""
if [ "${SKIP_CHECKOV:-0}" = 1 ]; then
    why="SKIP_CHECKOV=1"
else
    checkov=$(python_tool checkov checkov checkov) || true
    why="could not install checkov from PyPI (see $work/checkov.install.log)"
fi
if [ -n "$checkov" ]; then
    out=$work/checkov.out
    checkov_seconds=$(seconds "${pin[@]}" "$checkov" -d "$corpus" --framework kubernetes \
        --quiet --compact --skip-download)
    # its summary line says it read the files: "Passed checks: N, Failed checks: M, …"
    checks=$(sed -n 's/^Passed checks: \([0-9]*\), Failed checks: \([0-9]*\).*/\1 \2/p' "$out" |
        awk '{ n += $1 + $2 } END { print n + 0 }')
    checkov_rate=$(rate "$docs" "$checkov_seconds")
    row "\`checkov --framework kubernetes\` $("$checkov" --version 2>/dev/null | head -1), same files ($(group "$checks") checks), one core" \
        "$(group "$checkov_rate") documents/s ($checkov_seconds s): lint $(ratio "$lint_rate" "$checkov_rate")× faster" \
        ""
else
    row "\`checkov --framework kubernetes\`" "skipped: $why" ""
fi

# -- the table ------------------------------------------------------------------------------------
echo
echo "$docs documents in $SETS files (rendered production sets); $(nproc) cores, load average $load at the start; $(date -u +%Y-%m-%d)"
echo
echo "| measure | result | target |"
echo "|---|---|---|"
printf '%s\n' "${rows[@]}"
