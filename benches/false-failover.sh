#!/usr/bin/env bash
# make false-failover: no failover without a crash (docs/architecture.md §16). RUNS rounds
# (default 100) of the drill scenarios that must not fail over — replica-down (a replica's
# pod killed), master-pause (the master frozen for half of down-after), master-sentinel-restart
# (the master pod's Sentinel, and its crash watcher, crash and restart) and sentinel-restart
# (a Sentinel restarted after a failover; that scenario's own failover is its setup, a second
# one is false) — on PROFILE (default production). Prints, per round and in total, the
# failovers none of them may cause ("no failover…" checks that failed) and the scenarios that
# failed for any other reason. Exit 1 when a false failover was seen. Needs root, like the
# drill; ~2 minutes a round on 2 cores: not part of `make test`.
#
# Usage: benches/false-failover.sh        RUNS=10 PROFILE=kind benches/false-failover.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-100}
PROFILE=${PROFILE:-production}
OUT=${OUT:-target/false-failover}
BIN=${BIN:-target/release/redis-ha-gen}
SCENARIOS=replica-down,master-pause,master-sentinel-restart,sentinel-restart
case "$RUNS" in '' | *[!0-9]*) echo "RUNS is a count" >&2; exit 2 ;; esac
command -v jq >/dev/null || { echo "jq is missing: make test-deps installs it" >&2; exit 2; }
mkdir -p "$OUT"
false_failovers=0 other_failures=0
for i in $(seq 1 "$RUNS"); do
    json="$OUT/run-$i.json"
    status=0
    "$BIN" drill --profile "$PROFILE" --scenario "$SCENARIOS" --format json >"$json" 2>"$OUT/run-$i.log" || status=$?
    if [ "$status" -gt 1 ] || ! jq -e '.scenarios' "$json" >/dev/null 2>&1; then
        echo "round $i: the drill could not run (exit $status; $OUT/run-$i.log)" >&2
        exit 2
    fi
    moved=$(jq '[.scenarios[].checks[] | select((.name | startswith("no failover")) and (.passed | not))] | length' "$json")
    others=$(jq -r '[.scenarios[] | select(.passed | not) | select([.checks[] | select((.name | startswith("no failover")) and (.passed | not))] | length == 0) | .name] | join(",")' "$json")
    false_failovers=$((false_failovers + moved))
    [ -z "$others" ] || other_failures=$((other_failures + 1))
    echo "round $i/$RUNS: false failovers $moved${others:+; failed otherwise: $others}"
done
echo "false failovers: $false_failovers in $RUNS rounds of $SCENARIOS ($PROFILE);" \
    "rounds with another failure: $other_failures"
[ "$false_failovers" = 0 ]
