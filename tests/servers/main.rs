//! Against real `redis-server` and Sentinel processes on loopback (no root): `status`, the
//! RESP client over TLS, the rendered TLS and Sentinel configuration loaded by the real
//! binaries. One test binary; each file is a module.

#[path = "../common/mod.rs"]
mod common;
mod local_servers;

mod master_as_replica;
mod new_volume_hold;
mod own_history;
mod prestop_successor;
mod promotion_guard;
mod replica_align;
mod replica_detach;
mod replicaof_guard;
mod replicas_outgrown;
mod replication_steps;
mod resp_tls;
mod script_functions;
mod sentinel_choice;
mod sentinel_extra_config;
mod sentinel_link;
mod sentinel_repoint;
mod sentinel_timers;
mod stalled_failover;
mod status;
mod take_role;
mod tls_redis;
