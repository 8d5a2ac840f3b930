#!/bin/sh
# Regenerate schemas/v1_31.json … schemas/v1_37.json: the strict JSON Schemas redis-ha-gen
# embeds. k8s-openapi compiles for one Kubernetes version per build, hence one build each
# (1.31 and 1.32 with k8s-openapi 0.27, the others with 0.29: see Cargo.toml).
# Usage: tools/schema-gen/generate.sh   (from anywhere; needs cargo)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../schemas"
mkdir -p "$out"
for v in 1_31 1_32 1_33 1_34 1_35 1_36 1_37; do
    cargo run --quiet --manifest-path "$here/Cargo.toml" --features "v$v" > "$out/v$v.json.tmp"
    mv "$out/v$v.json.tmp" "$out/v$v.json"
    echo "schemas/v$v.json: $(wc -c < "$out/v$v.json") bytes"
done
