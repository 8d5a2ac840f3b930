//! The Redis HA topology extracted from manifests: each HA set, its pods, configs, Services,
//! PDBs and NetworkPolicies.
