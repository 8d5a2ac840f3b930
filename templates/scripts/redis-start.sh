# redis-start.sh: the redis container. Redis always starts as a replica of nothing (safe:
# no writes accepted, no sync served), then `take_role` asks the Sentinels and the peers
# which role this pod may take. Never "ordinal 0 is master": only on the very first boot,
# when nobody knows a master and nobody has data. See docs/architecture.md.
SCRIPT=redis-start
. /scripts/common.sh

CONF=$CONF_DIR/redis.conf

has_data() {
    [ -s "$DATA_DIR/dump.rdb" ] || [ -d "$DATA_DIR/appendonlydir" ]
}

# Regenerated on every start: Sentinel's CONFIG REWRITE leaves the last role in the file,
# and a master restarting as master from its own file is how split brain happens.
write_redis_conf() {
    mkdir -p "$CONF_DIR"
    (
        umask 077
        {
            cat /config/redis/redis.conf
            echo "replica-announce-ip $SELF"
            echo "replica-announce-port $REDIS_PORT"
            echo "replicaof $SAFE_MASTER_HOST $SAFE_MASTER_PORT"
            # An empty node joining peers that hold data is never promoted before it has
            # synced. (Not on a fresh set: Sentinel caches the priority for up to 10 s,
            # which would leave it nothing to promote right after bootstrap.)
            if ! has_data && { scan_peers; [ "$BEST_PEER_OFFSET" -gt 0 ]; }; then
                echo "replica-priority 0"
            fi
            if [ -n "${REDIS_PASSWORD:-}" ]; then
                echo "requirepass $REDIS_PASSWORD"
                echo "masterauth $REDIS_PASSWORD"
            fi
        } >"$CONF.new"
    )
    mv "$CONF.new" "$CONF"
}

first_boot() {
    [ ! -e "$ROLE_MARKER" ] && ! has_data
}

# Sets PEER_MASTER (a peer answering ROLE master), PEERS_UP, and BEST_PEER with
# BEST_PEER_OFFSET (the most replication stream any peer has; comparable across nodes since
# offsets survive failovers).
scan_peers() {
    PEER_MASTER=""
    PEERS_UP=0
    BEST_PEER=""
    BEST_PEER_OFFSET=0
    local peer role offset
    for peer in $(peers); do
        role=$(redis_cmd "$peer" ROLE | head -n 1 | tr -d '\r')
        case $role in
            master | slave) ;;
            *) continue ;;
        esac
        PEERS_UP=$((PEERS_UP + 1))
        [ "$role" = master ] && PEER_MASTER=$peer
        offset=$(info_field "$peer" replication master_repl_offset)
        if [ "${offset:-0}" -gt "$BEST_PEER_OFFSET" ]; then
            BEST_PEER=$peer
            BEST_PEER_OFFSET=$offset
        fi
    done
}

follow() {
    log "replicating $1"
    [ "$(redis_cmd "$LOCAL" REPLICAOF "$1" "$REDIS_PORT" | tr -d '\r')" = "OK" ]
}

promote() {
    log "taking the master role: $1"
    [ "$(redis_cmd "$LOCAL" REPLICAOF NO ONE | tr -d '\r')" = "OK" ]
}

# The Sentinels name this pod but know no replica they could promote instead (Sentinel
# learns replicas only from the master's INFO, every 10 s: a master lost right after its
# replicas attached leaves them unknown). Rather than wait forever or serve less data, copy
# the data of PEER first: PEER serves it as a master nobody writes to (the Sentinels name
# this pod), this node syncs, takes the master role, and PEER replicates it again.
adopt_data_of() {
    local peer=$1 i=0
    log "the Sentinels know no replica to promote: taking over the data of $peer first"
    [ "$(redis_cmd "$peer" REPLICAOF NO ONE | tr -d '\r')" = "OK" ] || return 1
    follow "$peer"
    until [ "$(info_field "$LOCAL" replication master_link_status)" = up ]; do
        i=$((i + 1))
        if [ "$i" -gt 120 ]; then
            log "could not sync from $peer: giving it its role back"
            redis_cmd "$LOCAL" REPLICAOF "$SAFE_MASTER_HOST" "$SAFE_MASTER_PORT" >/dev/null
            redis_cmd "$peer" REPLICAOF "$SELF" "$REDIS_PORT" >/dev/null
            return 1
        fi
        sleep 1
    done
    promote "holding the data of $peer" &&
        redis_cmd "$peer" REPLICAOF "$SELF" "$REDIS_PORT" >/dev/null
}

# Loops until this pod has a role; waiting is always safe, guessing is not.
take_role() {
    local waited=0 stuck=0 my_offset
    until [ "$(redis_cmd "$LOCAL" PING | tr -d '\r')" = "PONG" ]; do
        sleep 1
    done
    while :; do
        ask_sentinels
        if [ -n "$SENTINEL_MASTER" ] && [ "$SENTINEL_MASTER" != "$SELF" ]; then
            follow "$SENTINEL_MASTER" && break
        else
            scan_peers
            my_offset=$(info_field "$LOCAL" replication master_repl_offset)
            my_offset=${my_offset:-0}
            if [ -n "$PEER_MASTER" ]; then
                follow "$PEER_MASTER" && break
            elif [ "$BEST_PEER_OFFSET" -gt "$my_offset" ]; then
                # A peer holds data this node lacks (it restarted empty or from an old
                # snapshot): this copy must not be served as master. While the Sentinels
                # still name this pod, ask them to promote the best replica instead.
                if [ "$SENTINEL_MASTER" = "$SELF" ] && [ "$SENTINELS_UP" -ge "$MAJORITY" ]; then
                    if [ "$KNOWN_REPLICAS" != 0 ]; then
                        request_failover $(all_pods) && sleep 1
                    elif [ "$stuck" -ge 30 ]; then
                        adopt_data_of "$BEST_PEER" && break
                    else
                        stuck=$((stuck + 1))
                    fi
                fi
            elif first_boot && [ "$ORDINAL" = 0 ] && [ "$SENTINEL_MASTER" = "$SELF" ] &&
                [ "$KNOWN_REPLICAS" = 0 ]; then
                promote "first boot, no master and no data anywhere" && break
            elif [ "$SENTINEL_MASTER" = "$SELF" ] && ! first_boot &&
                { [ "$PEERS_UP" -ge $((REPLICAS - 1)) ] ||
                    { [ "$waited" -ge 30 ] && [ $((PEERS_UP + 1)) -ge "$MAJORITY" ]; }; }; then
                promote "the Sentinels name this pod and no reachable peer has more data" && break
            fi
        fi
        sleep 1
        waited=$((waited + 1))
        [ $((waited % 15)) = 0 ] &&
            log "still waiting for a role: Sentinels name '${SENTINEL_MASTER:-nobody}'" \
                "($SENTINELS_UP answering), $PEERS_UP peers up"
    done
    : >"$ROLE_MARKER"
    # Back to the normal promotion priority once this node holds a master's data.
    until [ "$(info_field "$LOCAL" replication role)" = master ] ||
        [ "$(info_field "$LOCAL" replication master_link_status)" = up ]; do
        sleep 1
    done
    redis_cmd "$LOCAL" CONFIG SET replica-priority "$SERVING_PRIORITY" >/dev/null
}

check_password
write_redis_conf
take_role &
exec redis-server "$CONF"
