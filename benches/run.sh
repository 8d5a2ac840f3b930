#!/bin/sh
# The performance numbers of product.md, measured on this machine:
#   - render of one profile: median wall time of the release binary (hyperfine);
#   - lint: documents per second of the release binary on a generated corpus
#     (SETS rendered production sets, one namespace and one file each, 8 documents a set);
#   - the same corpus through `kubernetes-validate --strict` (PyPI), and the ratio;
#   - the in-process stage throughputs (`cargo bench --bench throughput`).
# Usage: benches/run.sh            SETS=500 benches/run.sh      SKIP_KV=1 benches/run.sh
# kubernetes-validate is installed into a venv under target/ when missing; without network
# (or with SKIP_KV=1) that part is skipped.
set -eu
cd "$(dirname "$0")/.."
SETS=${SETS:-250}
bin=target/release/redis-ha-gen
work=target/bench
cargo build --release --quiet
rm -rf "$work/corpus" && mkdir -p "$work/corpus"

echo "== render (release binary, hyperfine)"
for profile in kind production; do
    hyperfine -N --warmup 10 --runs 200 --export-json "$work/render-$profile.json" \
        "$bin --profile $profile" >/dev/null
    python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; \
print('render %-10s median %.2f ms  (mean %.2f ms, min %.2f ms, %d runs)' % \
(sys.argv[2], r['median']*1e3, r['mean']*1e3, r['min']*1e3, len(r['times'])))" \
        "$work/render-$profile.json" "$profile"
done

echo "== corpus"
i=0
while [ "$i" -lt "$SETS" ]; do
    "$bin" --profile production --namespace "ns-$i" > "$work/corpus/set-$i.yaml"
    i=$((i + 1))
done
docs=$(cat "$work"/corpus/*.yaml | grep -c '^---$')
echo "$docs documents in $SETS files"

now() { python3 -c 'import time; print(time.perf_counter())'; }
elapsed() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

echo "== lint (release binary, whole corpus, best of 5)"
best=""
for _ in 1 2 3 4 5; do
    t0=$(now); "$bin" lint "$work/corpus" > /dev/null || true; t1=$(now)
    t=$(elapsed "$t0" "$t1")
    best=$(python3 -c "import sys; a=sys.argv[1]; print(min(float(a), float(sys.argv[2])) if a else sys.argv[2])" "$best" "$t")
done
lint_rate=$(python3 -c "import sys; print('%.0f' % (int(sys.argv[1]) / float(sys.argv[2])))" "$docs" "$best")
echo "lint: $best s for $docs documents = $lint_rate documents/s"

echo "== kubernetes-validate --strict (same corpus)"
kv=""
if [ "${SKIP_KV:-0}" != 1 ]; then
    if command -v kubernetes-validate >/dev/null 2>&1; then
        kv=kubernetes-validate
    else
        [ -x "$work/kv/bin/kubernetes-validate" ] ||
            { python3 -m venv "$work/kv" && "$work/kv/bin/pip" install -q kubernetes-validate; } ||
            echo "(could not install kubernetes-validate)"
        [ -x "$work/kv/bin/kubernetes-validate" ] && kv="$work/kv/bin/kubernetes-validate"
    fi
fi
if [ -n "$kv" ]; then
    t0=$(now); "$kv" --strict --quiet "$work"/corpus/*.yaml > "$work/kv.out" 2>&1 || true; t1=$(now)
    kv_time=$(elapsed "$t0" "$t1")
    kv_rate=$(python3 -c "import sys; print('%.0f' % (int(sys.argv[1]) / float(sys.argv[2])))" "$docs" "$kv_time")
    echo "kubernetes-validate --strict: $kv_time s for $docs documents = $kv_rate documents/s"
    python3 -c "import sys; print('ratio: lint is %.0fx faster' % (float(sys.argv[1]) / float(sys.argv[2])))" "$kv_time" "$best"
else
    echo "skipped"
fi

echo "== in-process stages (cargo bench --bench throughput; render: cargo bench --bench render)"
cargo bench --quiet --bench throughput
