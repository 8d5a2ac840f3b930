# aof.sh: sourced by redis-start.sh. With `appendonly yes` (redis.appendonly) Redis loads
# its append-only file only: a dump.rdb with no AOF beside it (the snapshot restore.sh
# loaded, or a node whose redis.appendonly was just turned on) is ignored, and Redis starts
# empty and writes an empty AOF base (Redis's persistence docs, "How I can switch to AOF, if
# I'm currently using dump.rdb snapshots?"; redis.conf: changing appendonly in the file of
# an existing database and restarting can lose data, the conversion is done with CONFIG SET
# on a live server). Such a node starts with appendonly off, so Redis loads the RDB, then
# turns the AOF on live, which writes the AOF base from the loaded data; it takes no role
# until that base is written. The RDB stays until then: a restart mid-way does it again.
# docs/runbook.md, "Restoring from a backup".
# shellcheck shell=dash

# Redis's default AOF names (redis.extraConfig may not change them: the scripts find a
# node's data by these names).
AOF_MANIFEST=$DATA_DIR/appendonlydir/appendonly.aof.manifest

# Sets AOF_FROM_RDB when this start must load dump.rdb with appendonly off first.
aof_from_rdb_needed() {
    AOF_FROM_RDB=""
    if grep -qx 'appendonly yes' /config/redis/redis.conf && [ -s "$DATA_DIR/dump.rdb" ] &&
        [ ! -s "$AOF_MANIFEST" ]; then
        AOF_FROM_RDB=1
        log "appendonly is on, but $DATA_DIR holds an RDB and no AOF: loading the RDB with" \
            "appendonly off, then turning the AOF on live (its base written from the RDB's data)"
    fi
}

# The line write_redis_conf appends (after the ConfigMap's `appendonly yes`: the last wins).
aof_from_rdb_conf() {
    [ -z "$AOF_FROM_RDB" ] || echo "appendonly no"
}

# In the running server (the RDB loaded): CONFIG SET appendonly yes, then wait until the
# AOF rewrite it starts has written the base and the manifest.
aof_from_rdb() {
    local waited=0
    [ -n "$AOF_FROM_RDB" ] || return 0
    until [ "$(redis_cmd "$LOCAL" CONFIG SET appendonly yes | tr -d '\r')" = OK ]; do
        sleep 1
    done
    until [ -s "$AOF_MANIFEST" ] &&
        [ "$(info_field "$LOCAL" persistence aof_rewrite_in_progress)" = 0 ] &&
        [ "$(info_field "$LOCAL" persistence aof_rewrite_scheduled)" = 0 ]; do
        waited=$((waited + 1))
        [ $((waited % 15)) = 0 ] &&
            log "still writing the AOF base from the RDB (last rewrite:" \
                "$(info_field "$LOCAL" persistence aof_last_bgrewrite_status))"
        sleep 1
    done
    log "the AOF base is written from the RDB ($(info_field "$LOCAL" keyspace db0)):" \
        "appendonly on"
}
