//! `.redis-ha-gen.yaml`: rule severities, ignored paths, Kubernetes version.
