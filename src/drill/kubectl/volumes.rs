//! A wipe on a live cluster. The `kubernetes.io/pvc-protection` finalizer keeps a claim while
//! a pod uses it, and the StatefulSet controller has usually recreated the pod (on the same
//! claim) by the time the wipe comes. So: each claim is deleted (it stays, terminating), then
//! the pod (the claim goes once no pod uses it), and the drill waits until each claim exists
//! again with a new UID — the controller creates a pod's missing claims when it creates the
//! pod. A pod it recreated while the old claim was still terminating stays Pending with its
//! claim "not found" (kubernetes/kubernetes#74374): after `REDELETE_SECONDS` without a new
//! claim the pod is deleted again, which makes the controller create both.

use super::KubectlSet;
use anyhow::bail;
use std::time::{Duration, Instant};

/// How long the new claims may take to appear (provisioning included).
const CLAIM_SECONDS: u64 = 120;
/// Without a new claim after this long, the pod is deleted again (see above).
const REDELETE_SECONDS: u64 = 30;

fn uid(set: &KubectlSet, claim: &str) -> anyhow::Result<String> {
    set.kubectl(&[
        "get",
        "pvc",
        claim,
        "--ignore-not-found",
        "-o",
        "jsonpath={.metadata.uid}",
    ])
    .map(|s| s.trim().to_string())
}

pub fn wipe(set: &KubectlSet, ordinal: usize) -> anyhow::Result<()> {
    let pod = set.spec.pod_name(ordinal);
    let claims: Vec<String> = set
        .spec
        .claim_templates
        .iter()
        .map(|claim| format!("{claim}-{pod}"))
        .collect();
    let mut old = Vec::new();
    for claim in &claims {
        old.push(uid(set, claim)?);
        set.kubectl(&["delete", "pvc", claim, "--ignore-not-found", "--wait=false"])?;
    }
    // Short grace: the data goes anyway; `--wait` until the pod object is gone, so the
    // protection lets the claims go.
    let delete_pod = || {
        set.kubectl(&[
            "delete",
            "pod",
            &pod,
            "--ignore-not-found",
            "--grace-period=1",
            "--wait=true",
        ])
    };
    delete_pod()?;
    let start = Instant::now();
    let mut redeleted = start;
    loop {
        let mut pending = Vec::new();
        for (claim, old) in claims.iter().zip(&old) {
            let now = uid(set, claim)?;
            if now.is_empty() || now == *old {
                pending.push(claim.as_str());
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        if start.elapsed() >= Duration::from_secs(CLAIM_SECONDS) {
            bail!(
                "wiping the volumes of {pod}: no new claim {} within {CLAIM_SECONDS} s of deleting \
                 the claims and the pod (is the old one still held by a pod, or the StorageClass \
                 unable to provision?)",
                pending.join(", ")
            );
        }
        if redeleted.elapsed() >= Duration::from_secs(REDELETE_SECONDS) {
            delete_pod()?;
            redeleted = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}
