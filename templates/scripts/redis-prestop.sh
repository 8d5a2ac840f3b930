# redis-prestop.sh: the redis container's preStop hook. A master hands its role over before
# it stops (a planned failover, about a second of refused writes) instead of letting the
# Sentinels detect its absence (down-after + 1 s, and the writes in between are lost).
# Bounded by PRESTOP_TIMEOUT_SECONDS, which leaves the rest of the grace period to Redis's
# shutdown save.
SCRIPT=redis-prestop
. /scripts/common.sh

[ "$(info_field "$LOCAL" replication role)" = master ] || exit 0

deadline=$(($(date +%s) + PRESTOP_TIMEOUT_SECONDS))
min_replicas=$(redis_cmd "$LOCAL" CONFIG GET min-replicas-to-write | tr -d '\r' | sed -n 2p)

# Refuse writes from now on (NOREPLICAS, at once, instead of blocking clients): a write
# accepted between the promotion and this node's demotion would be lost.
redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write 1000000 >/dev/null

# Let the replicas take in the last writes, so the promoted one has them all.
caught_up() {
    local replication offset
    replication=$(redis_cmd "$LOCAL" INFO replication | tr -d '\r')
    offset=$(echo "$replication" | sed -n 's/^master_repl_offset:\(.*\)$/\1/p')
    ! echo "$replication" | grep '^slave[0-9]*:' | grep -v -q "offset=$offset,"
}
tries=0
until caught_up || [ "$tries" -ge 20 ]; do
    sleep 0.1 2>/dev/null || sleep 1
    tries=$((tries + 1))
done

handed_over=no
requested=0
while [ "$(date +%s)" -lt "$deadline" ]; do
    ask_sentinels
    if [ -n "$SENTINEL_MASTER" ] && [ "$SENTINEL_MASTER" != "$SELF" ]; then
        # Demote now rather than wait for Sentinel to convert this node seconds later.
        redis_cmd "$LOCAL" REPLICAOF "$SENTINEL_MASTER" "$REDIS_PORT" >/dev/null
        log "handed the master role to $SENTINEL_MASTER"
        handed_over=yes
        break
    fi
    now=$(date +%s)
    if [ "$now" -ge "$requested" ] && request_failover; then
        requested=$((now + 3))
    fi
    sleep 0.2 2>/dev/null || sleep 1
done

if [ "$handed_over" = no ]; then
    log "no failover within ${PRESTOP_TIMEOUT_SECONDS}s: stopping as master"
    redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write "${min_replicas:-1}" >/dev/null
fi
