//! A `-f/--values` file must be a partial profile. A Kubernetes manifest given there (a
//! document with `apiVersion` and `kind`: `drill -f` took rendered manifests before `-f`
//! meant a values file in every command) is named as such, with the flags that take it,
//! instead of failing on its first key as an unknown profile field.

use anyhow::bail;

/// Refuse `text` (read from `source`) if any of its documents is a Kubernetes object.
pub fn refuse_manifest(source: &str, text: &str) -> anyhow::Result<()> {
    let parsed = crate::manifest::parse(source, text);
    let Some(object) = parsed
        .documents
        .iter()
        .find(|d| !d.api_version().is_empty() && !d.kind().is_empty())
    else {
        return Ok(());
    };
    let source = crate::escape::printable(source);
    bail!(
        "{source} is a Kubernetes manifest ({} `{}`, apiVersion {}), not a values file: \
         -f/--values takes a partial profile (`redis-ha-gen schema profile`). Drill rendered \
         manifests with `redis-ha-gen drill --manifests {source}`; check them with \
         `redis-ha-gen lint {source}`",
        crate::escape::printable(object.kind()),
        crate::escape::printable(object.name()),
        crate::escape::printable(object.api_version()),
    )
}

#[cfg(test)]
mod tests {
    use super::refuse_manifest;

    #[test]
    fn a_kubernetes_object_in_any_document_is_refused_with_the_flag_that_takes_it() {
        let text =
            "redis:\n  replicas: 3\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: redis\n";
        let err = refuse_manifest("m.yaml", text).unwrap_err().to_string();
        assert!(err.contains("Service `redis`, apiVersion v1"), "{err}");
        assert!(err.contains("drill --manifests m.yaml"), "{err}");
    }

    #[test]
    fn profiles_and_half_objects_pass() {
        for text in [
            "redis:\n  replicas: 3\n",
            "kind: Service\n",
            "apiVersion: v1\n",
            "",
            "not: [valid",
        ] {
            assert!(refuse_manifest("v.yaml", text).is_ok(), "{text:?}");
        }
    }
}
