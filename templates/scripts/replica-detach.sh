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
    local key="" line pending=0 ok=0 flags=""
    DETACH_NAMED=""
    DETACH_AFTER_MS=0
    DETACH_FAILING=0
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
$(sentinel_cmd "$LOCAL" SENTINEL MASTER "$MASTER_NAME")
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
    local line n=0
    LOCAL_ROLE="" LOCAL_ROLE_HOST="" LOCAL_ROLE_PORT=""
    while IFS= read -r line && [ "$n" -lt 3 ]; do
        n=$((n + 1))
        line=${line%"$CR"}
        case $n in
            1) LOCAL_ROLE=$line ;;
            2) LOCAL_ROLE_HOST=$line ;;
            3) LOCAL_ROLE_PORT=$line ;;
        esac
    done <<EOF
$(redis_cmd "$LOCAL" ROLE)
EOF
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
        follow_sibling
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
done
