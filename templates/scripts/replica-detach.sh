# replica-detach.sh: runs beside Sentinel in the sentinel container (sentinel-start.sh starts
# it). The replica side of the isolated-master fence, docs/architecture.md §18, "Replicas let
# go of a silent master": a replica whose master has been silent to the local Sentinel for
# more than a third of down-after stops following it (`REPLICAOF` that master's host on a port
# where nothing listens, DETACHED_PORT), so that a master thawed (or healed) in the middle of
# its failover finds no replica to acknowledge (`WAIT`) the writes it takes before the
# Sentinels convert it: the replica not promoted would otherwise acknowledge them until the
# leader moves it, and its full resync from the new master would discard them (drill
# `thaw-mid-failover`; explore seed 38, production schedule 7). A detached replica keeps its
# data and replication history, and the host it names still says whose stream it holds
# (redis-start.sh's rules for a restarted pod read it; crash-watch.sh's align_replica
# follows a sibling ahead of it on that stream): the Sentinels still promote it (they do
# not ask whom a replica follows), the leader points it at the new master, and a master that
# answers again without a failover is followed again, a partial resync, once the Sentinels
# agree on it.
# Its own process, not a step of crash-watch.sh's checks: those ask the peers by name and
# can take seconds, and this must act before any Sentinel reaches down-after.
# shellcheck shell=dash
SCRIPT=replica-detach
# shellcheck source=common.sh
. /scripts/common.sh
# read_local_replication and best_sibling: "A lagging replica catches up from a sibling".
# shellcheck source=replica-align.sh
. /scripts/replica-align.sh

# How often the local Sentinel is asked (seconds; BusyBox and coreutils sleep take
# fractions): one call on the loopback a check while nothing is silent.
DETACH_INTERVAL=0.5
PEER_HOSTS=$(peers)

# DETACH_NAMED (the master the local Sentinel names, "" when it does not answer),
# DETACH_SILENT_MS (how long that master has not answered its PING: the clock it marks the
# master subjectively down by, at down-after), DETACH_AFTER_MS (its down-after) and
# DETACH_FAILING (1 while it is failing that master over itself), from one `SENTINEL
# MASTER` on the loopback, read by the shell itself.
read_local_sentinel() {
    local key="" line pending=0 ok=0 flags="" reply
    DETACH_NAMED=""
    DETACH_AFTER_MS=0
    DETACH_FAILING=0
    # Read before the here-document, never inside it (common.sh, cli_at).
    reply=$(sentinel_cmd "$LOCAL" SENTINEL MASTER "$MASTER_NAME")
    while IFS= read -r line; do
        line=${line%"$CR"}
        if [ -z "$key" ]; then
            key=$line
            continue
        fi
        case $key in
            ip) DETACH_NAMED=$line ;;
            flags) flags=$line ;;
            last-ping-sent) pending=$line ;;
            last-ok-ping-reply) ok=$line ;;
            down-after-milliseconds) DETACH_AFTER_MS=$line ;;
        esac
        key=""
    done <<EOF
$reply
EOF
    # Sentinel's own clock: since the oldest PING still unanswered, or, with none pending
    # on a link that is down, since the last valid reply.
    DETACH_SILENT_MS=$pending
    case ,$flags, in
        *,disconnected,*) [ "$pending" != 0 ] || DETACH_SILENT_MS=$ok ;;
    esac
    case ,$flags, in
        *,failover_in_progress,*) DETACH_FAILING=1 ;;
    esac
    case $DETACH_SILENT_MS$DETACH_AFTER_MS in
        *[!0-9]*) DETACH_SILENT_MS=0 DETACH_AFTER_MS=0 ;;
    esac
}

# LOCAL_ROLE (master, slave; "" when the local Redis does not answer) and, for a replica,
# LOCAL_ROLE_HOST and LOCAL_ROLE_PORT, from one `ROLE` on the loopback.
read_local_role() {
    local line n=0 reply
    LOCAL_ROLE="" LOCAL_ROLE_HOST="" LOCAL_ROLE_PORT=""
    # Read before the here-document, never inside it (common.sh, cli_at).
    reply=$(redis_cmd "$LOCAL" ROLE)
    while IFS= read -r line && [ "$n" -lt 3 ]; do
        n=$((n + 1))
        line=${line%"$CR"}
        case $n in
            1) LOCAL_ROLE=$line ;;
            2) LOCAL_ROLE_HOST=$line ;;
            3) LOCAL_ROLE_PORT=$line ;;
        esac
    done <<EOF
$reply
EOF
}

# The promotion guard (docs/architecture.md §18, "A replica behind its sibling refuses the
# promotion"): while detached, the local Redis refuses the promotion (`replica-priority 0`)
# when the last check heard no other pod (the master it let go of aside) or heard a sibling
# replica of that master, on the same history, holding more of its stream. A Sentinel
# chooses whom to promote among the replicas it has heard from in the last 5 s (sentinel.c,
# `sentinelSelectSlave`), and a Sentinel back from an isolation has fresh news only of its
# own pod's replica, the one that let go first: promoting it loses every write only its
# siblings acknowledged (drill `stale-replica-own-sentinel`; explore seed 43, `kind`
# schedule 11). A pod that answers on another history (restarted empty, promoted) holds none
# of that stream beyond this one: the replica is not refused for it (drill
# `restart-beside-deposed-master`: the detached replica held the only copy). Only the serving priority is lowered: any other value is someone's choice
# (redis-start.sh's 0 for an empty node, preStop's successor, a drill's steering) and left
# alone. The Redis's run_id is kept in the pod's /tmp (shared by its containers, as the
# fence's record) so that a watcher restarted with its container puts the priority back,
# and a Redis restarted meanwhile (its configuration read again) is not touched.
GUARD_RECORD=/tmp/replica-detach.refused

# Refuse the promotion (status 0 when it is refused now, by this guard or before).
refuse_promotion() {
    local current run_id
    [ ! -s "$GUARD_RECORD" ] || return 0
    current=$(redis_cmd "$LOCAL" CONFIG GET replica-priority | tr -d '\r' | sed -n 2p)
    [ "$current" = "$SERVING_PRIORITY" ] || return 1
    run_id=$(info_field "$LOCAL" server run_id)
    [ -n "$run_id" ] || return 1
    echo "$run_id" 2>/dev/null >"$GUARD_RECORD" || return 1
    [ "$(redis_cmd "$LOCAL" CONFIG SET replica-priority 0 | tr -d '\r')" = OK ] || {
        rm -f "$GUARD_RECORD"
        return 1
    }
    log "detached, $1: replica-priority 0 (no Sentinel promotes it) until a check hears" \
        "another pod and no sibling holds more of the stream, or it follows a master again"
}

# Put back the serving priority refuse_promotion replaced, if the same Redis still holds
# the 0 it set; status 1 (the record kept, to try again) when the local Redis does not
# answer.
allow_promotion() {
    local run_id current
    [ -s "$GUARD_RECORD" ] || return 0
    run_id=$(info_field "$LOCAL" server run_id)
    [ -n "$run_id" ] || return 1
    if [ "$run_id" = "$(cat "$GUARD_RECORD")" ]; then
        current=$(redis_cmd "$LOCAL" CONFIG GET replica-priority | tr -d '\r' | sed -n 2p)
        [ -n "$current" ] || return 1
        if [ "$current" = 0 ]; then
            [ "$(redis_cmd "$LOCAL" CONFIG SET replica-priority "$SERVING_PRIORITY" |
                tr -d '\r')" = OK ] || return 1
            log "replica-priority $SERVING_PRIORITY again: $*"
        fi
    fi
    rm -f "$GUARD_RECORD"
}

# The guard's decision after a check of the siblings (follow_sibling's best_sibling).
guard_promotion() {
    [ "$ALIGN_ASKED" = 1 ] || return 0
    if [ "$ALIGN_AHEAD" = 1 ]; then
        refuse_promotion "a sibling holds more of the stream" || true
    elif [ "$ALIGN_HEARD" = 0 ]; then
        refuse_promotion "no other pod answered" || true
    else
        allow_promotion "$ALIGN_HEARD other pod(s) answered, no sibling holds more of the" \
            "stream" || true
    fi
}

# Whether the local Redis is detached (read_local_role's).
locally_detached() {
    [ "$LOCAL_ROLE" = slave ] && [ "$LOCAL_ROLE_PORT" = "$DETACHED_PORT" ]
}

# One check: when the local Sentinel has had no answer from the master it names for more
# than a third of down-after and the local Redis replicates that master, detach it (status
# 0; 1 when it did not). A third: each Sentinel's clock starts at its own first unanswered
# PING, at most a ping period apart (a twentieth of down-after), and a check, on the drill's
# loaded pods (the sentinel container's CPU limit), lets go up to 2.3 s after its threshold:
# at half, a replica let go after the thaw in one run of `thaw-mid-failover` in two. Not by
# a Sentinel failing that master over itself, and not once a Sentinel promoted this replica
# (its role is read on the connection that sends the detach, replicaof_if_following): a
# detach would undo the promotion, and the failover would abort. Earlier, past a sixth of
# down-after, once per silence: a sibling holding more of that master's stream, its link up,
# is followed (follow_sibling), before that sibling lets go too (a replica whose link is
# down serves no sync); the moment of the detach itself costs three loopback calls, no
# question to a peer.
detach_replica() {
    local reply
    read_local_sentinel
    [ -n "$DETACH_NAMED" ] && [ "$DETACH_NAMED" != "$SELF" ] && [ "$DETACH_AFTER_MS" -gt 0 ] &&
        [ "$DETACH_SILENT_MS" -gt $((DETACH_AFTER_MS / 6)) ] && [ "$DETACH_FAILING" = 0 ] || {
        SIBLING_ASKED=0
        return 1
    }
    read_local_role
    [ "$LOCAL_ROLE" = slave ] && [ "$LOCAL_ROLE_HOST" = "$DETACH_NAMED" ] &&
        ! locally_detached || return 1
    if [ "$DETACH_SILENT_MS" -le $((DETACH_AFTER_MS / 3)) ]; then
        [ "$SIBLING_ASKED" = 1 ] && return 1
        SIBLING_ASKED=1
        # A sibling on a live link answers in milliseconds; one cut off like the master
        # never does, and the detach waits for this step: one second for its questions,
        # not cli_at's two (stale-replica-own-sentinel: let go 1.9-2.1 s after the cut with
        # two, 1.0-1.1 s with one; docs/architecture.md §18).
        CLI_SECONDS=1
        follow_sibling
        CLI_SECONDS=2
        return 1
    fi
    reply=$(replicaof_if_following "$DETACH_NAMED" "" "$DETACH_NAMED" "$DETACHED_PORT") || {
        log "master $DETACH_NAMED silent to the local Sentinel for ${DETACH_SILENT_MS}ms: not" \
            "detached, the local Redis no longer replicates it (a Sentinel's order came" \
            "first) or did not answer"
        return 1
    }
    log "master $DETACH_NAMED silent to the local Sentinel for ${DETACH_SILENT_MS}ms (over" \
        "a third of down-after): detached (REPLICAOF it on port $DETACHED_PORT -> $reply)," \
        "so that it acknowledges nothing that master takes until the Sentinels agree on one"
    return 0
}

# Whether a majority of the Sentinels, asked at once, name one master (SENTINEL_MASTER, not
# this pod) that none of them marks down or is failing over.
sentinels_agree() {
    local dir file failing=""
    dir=$(mktemp -d /tmp/replica-detach.XXXXXX) || return 1
    # One argument per pod (FQDNs: no blanks, no glob characters).
    # shellcheck disable=SC2046
    ask_all "$dir" "$SENTINEL_PORT" $(all_pods) -- SENTINEL MASTER "$MASTER_NAME"
    start_sentinel_tally
    for file in "$dir"/*; do
        tally_sentinel_reply "$(tr -d '\r' <"$file")"
        [ "$VIEW_FAILING_OVER" = 0 ] || failing="$failing $VIEW_IP"
    done
    end_sentinel_tally
    rm -rf "$dir"
    [ -n "$SENTINEL_MASTER" ] && [ "$SENTINEL_MASTER" != "$SELF" ] &&
        [ "$SENTINELS_AGREE" -ge "$MAJORITY" ] && [ "$SENTINELS_SEE_DOWN" = 0 ] &&
        ! listed "$SENTINEL_MASTER" "$failing"
}

# One check of a detached replica (status 0 once it follows a node again, or something else
# moved it): a sibling ahead of it on the stream of the master it let go of first
# (follow_sibling; the host it names is kept); otherwise the master a majority of the
# Sentinels name once none of them marks it down or is failing it over and it answers ROLE
# master: the silent master itself when it answered again without a failover (a partial
# resync), the promoted one when the leader's own order did not reach this replica. The
# Sentinels are asked twice, a second apart, the second time after that master answered (a
# call to a frozen master waits for its thaw): a failover that started in between, which
# lasts longer than that (the leader waits for the promoted replica's INFO), shows in the
# second answer. Following the old master while the leader promotes this replica would undo
# the promotion (`thaw-mid-failover`: the failover aborted).
reattach_replica() {
    local master reply
    read_local_role
    locally_detached || return 0
    follow_sibling && return 0
    guard_promotion
    sentinels_agree || return 1
    master=$SENTINEL_MASTER
    [ "$(info_field "$master" replication role)" = master ] || return 1
    match_masterauth "$master" || return 1
    sleep 1
    sentinels_agree && [ "$SENTINEL_MASTER" = "$master" ] || return 1
    # Not when the leader moved it meanwhile (read on the connection that sends the order).
    read_local_role
    locally_detached || return 0
    reply=$(replicaof_if_following "$LOCAL_ROLE_HOST" "$DETACHED_PORT" "$master" "$REDIS_PORT") ||
        return 0
    log "$SENTINELS_AGREE Sentinels name $master master, none sees it down or fails it over:" \
        "replicating it again (REPLICAOF -> $reply)"
}

# A detached Redis left by a previous watcher (its container restarted) is taken over: read
# once at the start.
read_local_role
detached=0
! locally_detached || detached=1
SIBLING_ASKED=0
while :; do
    sleep "$DETACH_INTERVAL" 2>/dev/null || sleep 1
    [ ! -e "$STOPPING_MARKER" ] || continue
    if [ "$detached" = 1 ]; then
        reattach_replica && detached=0
    elif detach_replica; then
        detached=1
    fi
    # Promoted, following a node again, or restarted: no longer detached.
    [ "$detached" = 1 ] || allow_promotion "no longer detached" || true
done
