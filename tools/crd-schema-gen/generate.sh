#!/bin/sh
# Regenerate schemas/crds/*.json, the strict schemas of the custom resources redis-ha-gen
# renders, from the upstream CustomResourceDefinitions listed below.
# Usage: tools/crd-schema-gen/generate.sh DIR
#   DIR holds the upstream files under their upstream base names, e.g.
#   DIR/monitoring.coreos.com_servicemonitors.yaml (fetch each from REPOSITORY at COMMIT/PATH).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
in=${1:?usage: generate.sh DIR-with-the-upstream-CRD-files}
out="$here/../../schemas/crds"
mkdir -p "$out"
# output name | repository | commit | path | release
while IFS='|' read -r name repository commit path release; do
    cargo run --quiet --manifest-path "$here/Cargo.toml" -- \
        "$in/$(basename "$path")" "$repository" "$commit" "$path" "$release" > "$out/$name.tmp"
    mv "$out/$name.tmp" "$out/$name"
    echo "schemas/crds/$name: $(wc -c < "$out/$name") bytes"
done <<'LIST'
monitoring.coreos.com_servicemonitors.json|prometheus-operator/prometheus-operator|01b1a0ea3113af46d69ae3d2ee717bd10b2de1d1|example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml|prometheus-operator v0.84.1
monitoring.coreos.com_prometheusrules.json|prometheus-operator/prometheus-operator|01fad0d64bee2ea20ff20200b86fc0f4ae2744d3|example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml|prometheus-operator v0.82.2
cert-manager.io_certificates.json|cert-manager/cert-manager|0509c05ab4c8b11acbe28e8c23ca000bfd33676b|deploy/crds/cert-manager.io_certificates.yaml|cert-manager (controller-gen v0.19.0)
LIST
