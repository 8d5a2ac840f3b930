//! The failover drill: runs the rendered pods as Linux namespaces with real Redis binaries.
