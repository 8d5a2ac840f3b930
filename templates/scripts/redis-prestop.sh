# redis-prestop.sh: the redis container's preStop hook. A master hands its role over before
# it stops (a planned failover, about a second of refused writes) instead of letting the
# Sentinels detect its absence (down-after + 1 s, and the writes in between are lost).
# Bounded by PRESTOP_TIMEOUT_SECONDS, which leaves the rest of the grace period to Redis's
# shutdown save.
# shellcheck shell=dash
SCRIPT=redis-prestop
# shellcheck source=common.sh
. /scripts/common.sh

# This stop is on purpose: the crash watcher beside Sentinel must not take it for a crash
# (docs/architecture.md §17). redis-start.sh removes the marker.
: >"$STOPPING_MARKER"
[ "$(info_field "$LOCAL" replication role)" = master ] || exit 0

deadline=$(($(date +%s) + PRESTOP_TIMEOUT_SECONDS))
# This node's replication ID as master: its successor will hold it as its second one.
OWN_REPLID=$(info_field "$LOCAL" replication master_replid)
min_replicas=$(redis_cmd "$LOCAL" CONFIG GET min-replicas-to-write | tr -d '\r' | sed -n 2p)
replicas=$(info_field "$LOCAL" replication connected_slaves)

# 1. Refuse client writes from now on (NOREPLICAS at once, rather than blocking clients):
#    a write accepted between the promotion and this node's demotion would be lost.
redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write 1000000 >/dev/null
# 2. Have every replica acknowledge the whole stream, so whichever Sentinel promotes has it.
redis_cmd "$LOCAL" WAIT "${replicas:-0}" 1000 >/dev/null
# 3. Freeze the stream itself (Sentinel's hello PUBLISHes, expiries, pings): the replicas
#    stay at exactly the same offset, so the one not promoted continues with a partial
#    resync instead of a full one.
redis_cmd "$LOCAL" CLIENT PAUSE $((PRESTOP_TIMEOUT_SECONDS * 1000)) WRITE >/dev/null

# The successor: a peer that itself answers ROLE master. A Sentinel's word alone is not
# enough (a Sentinel with a stale view can name a replica, and demoting this node to it
# would leave the set with no master at all): this node steps down only to a pod that holds
# the master role. The promoted replica answers ROLE master a second before Sentinel
# confirms it (its INFO period): following it at once shortens the time with two masters,
# and gives the new master a replica, which min-replicas-to-write needs, before clients
# arrive. docs/architecture.md §6.
#
# And only to a master promoted from this node's own stream: a replica that Sentinel
# promotes keeps its old master's replication ID as its second one (`master_replid2`;
# Redis replication docs, "Replication ID explained"). An old master back from a partition
# also answers `ROLE master` until the Sentinels convert it (8 s after it reports the role);
# stepping down to it would replace every write acknowledged since the failover with its
# older data (drill `handover-beside-returned-master`, found by `drill --explore`).
promoted_peer() {
    local peer
    [ -n "$OWN_REPLID" ] || return 1
    for peer in $(peers); do
        if promoted_from_here "$(redis_cmd "$peer" INFO replication | tr -d '\r')"; then
            echo "$peer"
            return 0
        fi
    done
    return 1
}

# Whether an `INFO replication` reply is a master's whose second replication ID is
# OWN_REPLID.
promoted_from_here() {
    case $1 in
        *role:master*) ;;
        *) return 1 ;;
    esac
    [ "$(printf '%s\n' "$1" | sed -n 's/^master_replid2:\(.*\)$/\1/p')" = "$OWN_REPLID" ]
}

# Whether a Sentinel that answers names this pod at the newest epoch any of them has, and
# none is failing it over. Not "whichever Sentinel at the newest epoch answered first": the
# kubelet stops every container of the pod at once, so this pod's own Sentinel (which names
# it) is gone when this hook starts, and on a tie a stale peer that answers first would veto
# every request (docs/drill.md, "How close to a real cluster"; scenario prestop-stale-sentinel).
named_at_newest_epoch() {
    local host newest=-1 mine=-1 busy=0
    for host in $(all_pods); do
        sentinel_view "$(sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" | tr -d '\r')"
        [ -n "$VIEW_IP" ] || continue
        [ "$VIEW_FAILING_OVER" = 0 ] || busy=1
        [ "$VIEW_EPOCH" -gt "$newest" ] && newest=$VIEW_EPOCH
        [ "$VIEW_IP" = "$SELF" ] && [ "$VIEW_EPOCH" -gt "$mine" ] && mine=$VIEW_EPOCH
    done
    [ "$busy" = 0 ] && [ "$mine" -ge 0 ] && [ "$mine" = "$newest" ]
}

# This pod's own Sentinel is being stopped with it: only the peers' can carry a failover.
handed_over=""
next_request=0
while [ "$(date +%s)" -lt "$deadline" ]; do
    if handed_over=$(promoted_peer); then
        # Demote now rather than wait seconds for Sentinel to convert this node.
        redis_cmd "$LOCAL" REPLICAOF "$handed_over" "$REDIS_PORT" >/dev/null
        log "handed the master role to $handed_over"
        break
    fi
    if [ "$next_request" = 0 ] && [ "$(info_field "$LOCAL" replication connected_slaves)" = 0 ]; then
        # Every replica is gone too (the whole set is stopping): nothing to hand over to.
        break
    fi
    now=$(date +%s)
    # A new request only while a Sentinel still names this pod at the newest epoch and
    # none is failing it over: a failover one Sentinel accepted earlier may be slow to show
    # (a peer that does not answer costs the scan above 2 s), and a second one would demote
    # the master it promoted (request_failover, common.sh).
    if [ "$now" -ge "$next_request" ]; then
        # One argument per peer: the FQDNs hold no blanks or glob characters.
        # shellcheck disable=SC2046
        if named_at_newest_epoch && request_failover $(peers); then
            next_request=$((now + 3))
        fi
    fi
    sleep 0.1 2>/dev/null || sleep 1
done

if [ -z "$handed_over" ]; then
    log "no replica took over: stopping as master"
    redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write "${min_replicas:-1}" >/dev/null
fi
redis_cmd "$LOCAL" CLIENT UNPAUSE >/dev/null
