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
# Where this node's stream ends once writes are paused (step 4 below); until then,
# promoted_peer reads the offset live.
FENCE_OFFSET=""
min_replicas=$(redis_cmd "$LOCAL" CONFIG GET min-replicas-to-write | tr -d '\r' | sed -n 2p)

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
#
# And only to one promoted holding this node's whole stream: its stream forks after the
# offset this node holds (`second_repl_offset`, the offset after its last byte from here,
# is above this node's `master_repl_offset`). A replica promoted by a failover that lost its
# race also holds this node's replication ID as its second one, forked seconds ago, and
# stays master until the Sentinels convert it; stepping down to it lost every write since
# (drill `handover-beside-lost-promotion`, found by `drill --explore`; docs/architecture.md
# §6, "Only to a successor holding the whole stream"). A peer forked earlier is followed
# only when the Sentinels name it at the newest epoch: then it is the set's master, and
# this node a deposed one that Sentinel converts anyway.
promoted_peer() {
    local peer info mine
    [ -n "$OWN_REPLID" ] || return 1
    mine=${FENCE_OFFSET:-$(info_field "$LOCAL" replication master_repl_offset)}
    for peer in $(peers); do
        info=$(redis_cmd "$peer" INFO replication | tr -d '\r')
        promoted_from_here "$info" || continue
        if [ "$(reply_field "$info" second_repl_offset)" -gt "${mine:-0}" ] 2>/dev/null ||
            named_at_newest_epoch "$peer"; then
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
    [ "$(reply_field "$1" master_replid2)" = "$OWN_REPLID" ]
}

# Whether HOST answers as a replica of this node. A Sentinel keeps a replica's
# master-link-status from its last INFO as a replica, and promotes the replica it prefers
# whatever role it reports (sentinel.c, sentinelSelectSlave): a replica promoted by a lost
# race still looks a fine successor in SENTINEL REPLICAS.
replica_of_here() {
    local info
    info=$(redis_cmd "$1" INFO replication | tr -d '\r')
    case $info in
        *role:slave*) ;;
        *) return 1 ;;
    esac
    [ "$(reply_field "$info" master_host)" = "$SELF" ]
}

# Whether a Sentinel that answers names this pod (HOST when given) at the newest epoch any
# of them has, and none is failing it over. Not "whichever Sentinel at the newest epoch
# answered first": the kubelet stops every container of the pod at once, so this pod's own
# Sentinel (which names it) is gone when this hook starts, and on a tie a stale peer that
# answers first would veto every request (docs/drill.md, "How close to a real cluster";
# scenario prestop-stale-sentinel).
named_at_newest_epoch() {
    local host newest=-1 mine=-1 busy=0 who=${1:-$SELF}
    for host in $(all_pods); do
        sentinel_view "$(sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" | tr -d '\r')"
        [ -n "$VIEW_IP" ] || continue
        [ "$VIEW_FAILING_OVER" = 0 ] || busy=1
        [ "$VIEW_EPOCH" -gt "$newest" ] && newest=$VIEW_EPOCH
        [ "$VIEW_IP" = "$who" ] && [ "$VIEW_EPOCH" -gt "$mine" ] && mine=$VIEW_EPOCH
    done
    [ "$busy" = 0 ] && [ "$mine" -ge 0 ] && [ "$mine" = "$newest" ]
}

# Whether some peer's Sentinel would accept the request now (request_failover's own test,
# without the request). Sets CARRIER.
willing_carrier() {
    local host
    for host in $(peers); do
        sentinel_view "$(sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" | tr -d '\r')"
        if [ "$VIEW_IP" = "$SELF" ] && [ "$VIEW_FAILING_OVER" = 0 ]; then
            CARRIER=$host
            return 0
        fi
    done
    return 1
}

# The view of every replica it knows of the Sentinel at HOST (the carrier when none is
# given), one line each: "ip flags master-link-status slave-priority info-refresh
# last-ok-ping-reply" (info-refresh: ms since its last INFO of that replica;
# last-ok-ping-reply: ms since the replica last answered its PING).
carrier_replicas() {
    local key="" line ip="" flags="" link="" prio="" refresh="" okping=""
    sentinel_cmd "${1:-$CARRIER}" SENTINEL REPLICAS "$MASTER_NAME" | tr -d '\r' | {
        while IFS= read -r line; do
            if [ -z "$key" ]; then
                key=$line
                continue
            fi
            case $key in
                name)
                    [ -z "$ip" ] || echo "$ip $flags $link $prio $refresh $okping"
                    ip="" flags="" link="" prio="" refresh="" okping=""
                    ;;
                ip) ip=$line ;;
                flags) flags=$line ;;
                master-link-status) link=$line ;;
                slave-priority) prio=$line ;;
                info-refresh) refresh=$line ;;
                last-ok-ping-reply) okping=$line ;;
            esac
            key=""
        done
        [ -z "$ip" ] || echo "$ip $flags $link $prio $refresh $okping"
    }
}

# The hand-over aligned on the carrier's INFO polls (docs/architecture.md §6). During a
# failover Sentinel sends a replica INFO a second after the last one (10 s otherwise), and
# confirms the promotion, and names the new master to clients, only at the first INFO that
# shows it: asked at a random moment, that INFO goes out as the failover starts, before the
# promotion, and the next a second later. Asked when the carrier's last INFO of the replica
# it will promote is about ALIGN_MS old, the next one comes a few hundred milliseconds after
# the promotion instead. Which replica it promotes is fixed by a priority one better than the
# others' (PREFERRED_PRIORITY, set on SUCCESSOR before that INFO, restored after): Sentinel
# chooses by priority first, then offset (Sentinel docs, "Replica selection and priority"),
# and its cached offset of the aligned replica is older than the others'.
PREFERRED_PRIORITY=$((SERVING_PRIORITY - 1))
ALIGN_MS=600
ALIGN_WINDOW_MS=300

# SUCCESSOR: a replica the carrier sees with its link up and the serving priority, when every
# replica it could promote has that priority (none preferred or excluded on purpose), and
# that answers as a replica of this node itself (replica_of_here). Of those, the one a
# rollout reaches last (succession_rank): a StatefulSet's RollingUpdate replaces pods from
# the highest ordinal down (Kubernetes docs, "StatefulSet: Rolling Updates"), so the pods
# above this one are replaced already and the lowest is replaced last.
# The highest ordinal above this pod's, else the lowest: a rollout hands the master over at
# most twice (twice only when the master is the highest ordinal), never once per pod.
choose_successor() {
    local ip flags link prio refresh okping rank best=-1 replicas
    SUCCESSOR=""
    # Read before the here-document, never inside it (common.sh, cli_at).
    replicas=$(carrier_replicas)
    while read -r ip flags link prio refresh okping; do
        if [ "$flags" != slave ] || [ "$prio" = 0 ]; then
            continue
        fi
        [ "$prio" = "$SERVING_PRIORITY" ] || return 1
        if [ "$link" = ok ] && [ "$ip" != "$SELF" ]; then
            rank=$(succession_rank "$ip")
            if [ "$rank" -gt "$best" ] && replica_of_here "$ip" </dev/null; then
                best=$rank
                SUCCESSOR=$ip
            fi
        fi
    done <<EOF
$replicas
EOF
    [ -n "$SUCCESSOR" ]
}

# How late a rollout reaches the pod of FQDN (higher: later, or replaced already); 0 for a
# name that is not one of this set's pods.
succession_rank() {
    local pod=${1%%.*} n
    n=${pod##*-}
    case $pod in
        "$SET_NAME-$n") ;;
        *)
            echo 0
            return
            ;;
    esac
    case $n in
        "" | *[!0-9]*)
            echo 0
            return
            ;;
    esac
    if [ "$n" -gt "$ORDINAL" ]; then
        echo $((2000 + n))
    else
        echo $((1000 - n))
    fi
}

# Wait, writes still flowing, until the carrier's cached view of SUCCESSOR holds the preferred
# priority and its last INFO is ALIGN_MS old (at most ALIGN_WINDOW_MS less); the request's
# conditions are checked again early in that same poll cycle. False when the budget runs out.
align_to_info_poll() {
    local until checked="" ip flags link prio refresh okping replicas
    until=$(($(date +%s) + PRESTOP_TIMEOUT_SECONDS * 3 / 5))
    while [ "$(date +%s)" -lt "$until" ]; do
        prio="" refresh="" link=""
        # Read before the here-document, never inside it (common.sh, cli_at).
        replicas=$(carrier_replicas)
        while read -r ip flags link prio refresh okping; do
            [ "$ip" = "$SUCCESSOR" ] && break
            prio="" refresh="" link=""
        done <<EOF
$replicas
EOF
        [ -n "$refresh" ] && [ "$link" = ok ] || return 1
        if [ "$prio" = "$PREFERRED_PRIORITY" ]; then
            if [ "$refresh" -gt "$ALIGN_MS" ]; then
                checked=""
            elif [ "$refresh" -ge $((ALIGN_MS - ALIGN_WINDOW_MS)) ]; then
                [ -z "$checked" ] || return 0
            elif [ -z "$checked" ] && [ "$refresh" -lt 150 ]; then
                # The request's conditions again, less than ALIGN_MS before it.
                ! promoted_peer >/dev/null && named_at_newest_epoch || return 1
                checked=1
            fi
        fi
        sleep 0.02 2>/dev/null || sleep 1
    done
    return 1
}

# Whether SUCCESSOR holds this node's whole stream (writes are paused: the offset is final).
successor_caught_up() {
    local mine
    node_info "$LOCAL"
    mine=$NODE_OFFSET
    node_info "$SUCCESSOR"
    [ "$NODE_ROLE" = slave ] && [ "$NODE_OFFSET" -ge "$mine" ]
}

# 0. While clients still write: the checks that decide whether a failover may be asked, and
#    of which Sentinel, so that the time writes are refused holds only the steps that must
#    follow them (docs/architecture.md §6: each check is a CLI process; before this order
#    they cost ≈ 0.2 s of refused writes). One pass, no waiting: when any check fails (a
#    peer already holds the master role, a failover is under way, no Sentinel names this
#    pod), writes stop at once and the loop below decides, as before.
CARRIER=""
if [ "$(info_field "$LOCAL" replication connected_slaves)" != 0 ] &&
    ! promoted_peer >/dev/null && named_at_newest_epoch; then
    willing_carrier || true
fi
SUCCESSOR=""
if [ -n "$CARRIER" ] && choose_successor &&
    [ "$(redis_cmd "$SUCCESSOR" CONFIG SET replica-priority "$PREFERRED_PRIORITY" | tr -d '\r')" = OK ]; then
    if ! align_to_info_poll; then
        log "no moment aligned on the carrier's INFO polls: asking unaligned"
        CARRIER=""
        if ! promoted_peer >/dev/null && named_at_newest_epoch; then
            willing_carrier || true
        fi
    fi
else
    SUCCESSOR=""
fi
replicas=$(info_field "$LOCAL" replication connected_slaves)

# 1. Refuse client writes from now on (NOREPLICAS at once, rather than blocking clients):
#    a write accepted between the promotion and this node's demotion would be lost.
# 2. Have every replica acknowledge the whole stream, so whichever Sentinel promotes has it.
# 3. Freeze the stream itself (Sentinel's hello PUBLISHes, expiries, pings): the replicas
#    stay at exactly the same offset, so the one not promoted continues with a partial
#    resync instead of a full one.
# 4. Read where the frozen stream ends (FENCE_OFFSET, final from now on): promoted_peer
#    follows only a peer whose stream forks after it.
# One CLI process for the four (each process is ≈ 20–40 ms of refused writes under load);
# when its replies are not all there (a password the first try did not open: cli_at's second
# try finds stdin consumed), one process each, as before.
pause_ms=$((PRESTOP_TIMEOUT_SECONDS * 1000))
stopped=$(printf 'CONFIG SET min-replicas-to-write 1000000\nWAIT %s 1000\nCLIENT PAUSE %s WRITE\nINFO replication\n' \
    "${replicas:-0}" "$pause_ms" | redis_cmd "$LOCAL" | tr -d '\r' | tr '\n' ' ')
case $stopped in
    "OK "[0-9]*" OK "*master_repl_offset:[0-9]*)
        acked=${stopped#OK }
        acked=${acked%% *}
        FENCE_OFFSET=${stopped#*master_repl_offset:}
        FENCE_OFFSET=${FENCE_OFFSET%% *}
        ;;
    *)
        redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write 1000000 >/dev/null
        acked=$(redis_cmd "$LOCAL" WAIT "${replicas:-0}" 1000 | tr -d '\r')
        redis_cmd "$LOCAL" CLIENT PAUSE "$pause_ms" WRITE >/dev/null
        FENCE_OFFSET=$(info_field "$LOCAL" replication master_repl_offset)
        ;;
esac

# Whether every replica some peer's Sentinel could promote holds this node's whole stream
# (writes are paused: the offset is final), by this node's own count of what each replica
# acknowledged (`INFO replication`, fresh after the WAIT above). Sentinel chooses by
# priority, then by the offset it cached, and skips only a replica it marks down or
# disconnected, with priority 0, or that has not answered its PING for 5 s (Sentinel docs,
# "Replica selection and priority"; sentinel.c, sentinelSelectSlave): a replica behind this
# node and not skipped may be promoted without the writes it lacks. Frozen, it keeps
# Sentinel's `REPLICAOF NO ONE` queued beside the stream it has not read, and takes the role
# before it reads the rest: Redis reads 16 KiB from its master link per turn of its event
# loop (drill `prestop-one-failover`: 104 acknowledged writes lost; CI, stop 27: 105).
candidates_caught_up() {
    local info mine host ip flags link prio refresh okping behind line offset replicas
    info=$(redis_cmd "$LOCAL" INFO replication | tr -d '\r')
    mine=$(reply_field "$info" master_repl_offset)
    [ -n "$mine" ] || return 1
    for host in $(peers); do
        # Read before the here-document, never inside it (common.sh, cli_at).
        replicas=$(carrier_replicas "$host")
        while read -r ip flags link prio refresh okping; do
            [ -n "$ip" ] || continue
            case ,$flags, in
                *,s_down,* | *,o_down,* | *,disconnected,*) continue ;;
            esac
            [ "$prio" != 0 ] || continue
            case $okping in
                '' | *[!0-9]*) ;;
                *) [ "$okping" -le 5000 ] || continue ;;
            esac
            behind=1
            while IFS= read -r line; do
                case $line in
                    slave[0-9]*:ip="$ip",*state=online,*)
                        offset=${line#*,offset=}
                        offset=${offset%%,*}
                        [ "$offset" -ge "$mine" ] 2>/dev/null && behind=0
                        ;;
                esac
            done <<EOF
$info
EOF
            [ "$behind" = 0 ] || return 1
        done <<EOF
$replicas
EOF
    done
}

# A request only once the replica preferred by its priority (when one is) holds the whole
# stream: Sentinel would promote it whatever its offset. Without one, only once every replica
# Sentinel could promote holds it (candidates_caught_up).
may_request() {
    if [ -n "$SUCCESSOR" ]; then
        [ "${acked:-0}" -ge "${replicas:-0}" ] || successor_caught_up
    else
        candidates_caught_up
    fi
}

# This pod's own Sentinel is being stopped with it: only the peers' can carry a failover.
handed_over=""
next_request=0
if [ -n "$CARRIER" ] && may_request && request_failover "$CARRIER"; then
    # Asked at once: the checks above are at most ≈ 0.6 s old (aligned), and
    # request_failover checks the carrier's own view again just before the request.
    next_request=$(($(date +%s) + 3))
fi
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
        if named_at_newest_epoch && may_request && request_failover $(peers); then
            next_request=$((now + 3))
        fi
    fi
    # Right after a request, look often: the new master needs this node as its replica
    # (min-replicas-to-write) by the time Sentinel names it, a few hundred ms after the
    # promotion when aligned.
    if [ "$next_request" = 0 ]; then
        sleep 0.1 2>/dev/null || sleep 1
    else
        sleep 0.02 2>/dev/null || sleep 1
    fi
done

# The replicas this node still feeds follow the new master directly, at once. On REPLICAOF a
# master's own replicas stay attached to it (chained: the new master -> this node -> them);
# Sentinel moves them over (`+slave-reconf-sent`), but only the replicas its view reaches: a
# Sentinel that met a restarted pod while the cluster DNS still answered its old address keeps
# that address for good (it resolves a name once, when it first meets the instance), sees
# that replica down and skips it. Chained under this node, that replica loses its master when
# this node exits, and the new master refuses writes (min-replicas-to-write) until the
# replica's own Sentinel corrects it 10 s later (drill `password-rotation`: 7 s of NOREPLICAS,
# docs/architecture.md §6). Only a peer whose own INFO names this pod as its master is moved.
repoint_own_replicas() {
    local peer
    for peer in $(peers); do
        [ "$peer" != "$1" ] || continue
        [ "$(date +%s)" -lt "$deadline" ] || return 0
        [ "$(info_field "$peer" replication master_host)" = "$SELF" ] || continue
        if [ "$(redis_cmd "$peer" REPLICAOF "$1" "$REDIS_PORT" | tr -d '\r')" = OK ]; then
            log "moved replica $peer over to $1"
        fi
    done
}
[ -z "$handed_over" ] || repoint_own_replicas "$handed_over"

# Stay attached a little: this node exits right after this hook, and until Sentinel moves the
# other replicas over (after it names the new master) it is the new master's only replica, so
# its exit would leave the new master refusing writes (min-replicas-to-write) while they
# attach. At most 3 s, until the new master has as many replicas online as this one had.
if [ -n "$handed_over" ]; then
    settle_until=$(($(date +%s) + 3))
    while [ "$(date +%s)" -lt "$settle_until" ] &&
        [ "$(redis_cmd "$handed_over" INFO replication | grep -c 'state=online')" -lt "${replicas:-0}" ]; do
        sleep 0.05 2>/dev/null || sleep 1
    done
fi

# The successor's priority back to the serving one (it held the preference only for this
# hand-over).
[ -z "$SUCCESSOR" ] ||
    redis_cmd "$SUCCESSOR" CONFIG SET replica-priority "$SERVING_PRIORITY" >/dev/null

# Writes open again only when no Sentinel accepted a failover (next_request is set by an
# accepted request): one accepted and not seen yet may promote a replica at any moment, and
# whatever this node took from then on would be lost with the writes' acknowledgements (two
# masters until it stops). Refused, a write fails at once (NOREPLICAS) and the client retries
# on the new master. Drill `rolling-restart` with PRESTOP_TIMEOUT_SECONDS 1: 1 acknowledged
# write lost in 3 runs before this, docs/architecture.md §6.
if [ -z "$handed_over" ]; then
    if [ "$next_request" = 0 ]; then
        log "no replica took over: stopping as master"
        redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write "${min_replicas:-1}" >/dev/null
    else
        log "a Sentinel accepted a failover but no replica took over in time: stopping with" \
            "writes refused"
    fi
fi
redis_cmd "$LOCAL" CLIENT UNPAUSE >/dev/null
