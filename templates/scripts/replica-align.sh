# replica-align.sh: sourced by crash-watch.sh, which calls align_replica once per check while
# the local Redis is a replica (and by replica-detach.sh, for follow_sibling).
# docs/architecture.md §22, "A lagging replica catches up from a sibling": when this
# replica's master falls silent (a freeze, a cut between the two) and a sibling replica of
# the same master, on the same replication history, holds more of the
# stream, this replica follows that sibling (`REPLICAOF`, a partial resync from its backlog)
# and so holds what the sibling acknowledged before the Sentinels choose whom to promote:
# their choice rests on offsets cached up to 10 s earlier, and a write acknowledged by one
# replica (`WAIT 1`) is lost when another is promoted (Redis's documentation, commands/wait,
# "Consistency and WAIT"). It stays chained: the Sentinels move it back (`+fix-slave-config`)
# once the master looks sane again, or promote it, or point it at the new master.
# shellcheck shell=dash

# The master is silent when it sent nothing for this many whole seconds
# (`master_last_io_seconds_ago`) or the link has been down as long, and this replica's offset
# stood still since the previous check (so a second boundary alone never counts).
ALIGN_SILENT_SECONDS=1
# This replica's offset at the previous silent check ("" when the master spoke since).
ALIGN_OFFSET=""

# LOCAL_MASTER_HOST, LOCAL_REPLID, LOCAL_OFFSET and LOCAL_SILENT (1 when the master is silent
# and no sync is loading) from the local `INFO replication`, read by the shell itself.
read_local_replication() {
    local line io=0 status="" down=0 syncing=0 reply
    LOCAL_MASTER_HOST=""
    LOCAL_REPLID=""
    LOCAL_OFFSET=""
    LOCAL_SILENT=0
    # Read before the here-document, never inside it (common.sh, cli_at).
    reply=$(redis_cmd "$LOCAL" INFO replication)
    while IFS= read -r line; do
        line=${line%"$CR"}
        case $line in
            master_host:*) LOCAL_MASTER_HOST=${line#master_host:} ;;
            master_replid:*) LOCAL_REPLID=${line#master_replid:} ;;
            master_repl_offset:*) LOCAL_OFFSET=${line#master_repl_offset:} ;;
            master_link_status:*) status=${line#master_link_status:} ;;
            master_last_io_seconds_ago:*) io=${line#master_last_io_seconds_ago:} ;;
            master_link_down_since_seconds:*) down=${line#master_link_down_since_seconds:} ;;
            master_sync_in_progress:*) syncing=${line#master_sync_in_progress:} ;;
        esac
    done <<EOF
$reply
EOF
    [ "$syncing" = 0 ] && [ -n "$LOCAL_OFFSET" ] && [ -n "$LOCAL_REPLID" ] || return 0
    case $status in
        up) [ "$io" -ge "$ALIGN_SILENT_SECONDS" ] && LOCAL_SILENT=1 ;;
        *) [ "$down" -ge "$ALIGN_SILENT_SECONDS" ] && LOCAL_SILENT=1 ;;
    esac
    return 0
}

# ALIGN_SIBLING: the replica of LOCAL_MASTER_HOST on history LOCAL_REPLID holding the most
# stream beyond LOCAL_OFFSET ("" when none does), among the peers but the silent master (a
# frozen one would hold the answer for the whole timeout), asked at once (ask_all). Only a
# sibling whose own link is up: a replica whose master link is down refuses to serve a sync
# (`-NOMASTERLINK`), so when the master's process is gone (its connections closed) nobody
# aligns and the Sentinels' choice stands, as before. Also, for replica-detach.sh's
# promotion guard: ALIGN_HEARD, how many of the peers asked answered at all, and ALIGN_AHEAD,
# 1 when a replica of LOCAL_MASTER_HOST on history LOCAL_REPLID holds more of the stream
# than LOCAL_OFFSET, whatever its link.
best_sibling() {
    local dir peer siblings="" n=100 best=$LOCAL_OFFSET
    ALIGN_SIBLING=""
    ALIGN_HEARD=0
    ALIGN_AHEAD=0
    for peer in $PEER_HOSTS; do
        [ "$peer" = "$LOCAL_MASTER_HOST" ] || siblings="$siblings $peer"
    done
    [ -n "$siblings" ] || return 0
    dir=$(mktemp -d /tmp/replica-align.XXXXXX) || return 0
    # One argument per pod (FQDNs: no blanks, no glob characters).
    # shellcheck disable=SC2086
    ask_all "$dir" "$REDIS_PORT" $siblings -- INFO replication
    for peer in $siblings; do
        n=$((n + 1))
        node_info_of "$(tr -d '\r' <"$dir/$n")"
        [ -z "$NODE_ROLE" ] || ALIGN_HEARD=$((ALIGN_HEARD + 1))
        if [ "$NODE_ROLE" = slave ] && [ "$NODE_MASTER_HOST" = "$LOCAL_MASTER_HOST" ] &&
            [ "$NODE_REPLID" = "$LOCAL_REPLID" ] && [ "$NODE_OFFSET" -gt "$LOCAL_OFFSET" ]; then
            # shellcheck disable=SC2034 # read by replica-detach.sh's guard_promotion
            ALIGN_AHEAD=1
        fi
        if [ "$NODE_ROLE" = slave ] && [ "$NODE_LINK" = up ] &&
            [ "$NODE_MASTER_HOST" = "$LOCAL_MASTER_HOST" ] &&
            [ "$NODE_REPLID" = "$LOCAL_REPLID" ] && [ "$NODE_OFFSET" -gt "$best" ]; then
            ALIGN_SIBLING=$peer
            best=$NODE_OFFSET
        fi
    done
    ALIGN_SIBLING_OFFSET=$best
    rm -rf "$dir"
}

# One check: a replica whose master is silent for two checks in a row, its offset standing
# still, follows the sibling holding the most of the same stream, if one holds more.
align_replica() {
    local offset reply
    read_local_replication
    if [ "$LOCAL_SILENT" = 0 ]; then
        ALIGN_OFFSET=""
        return 0
    fi
    if [ "$ALIGN_OFFSET" != "$LOCAL_OFFSET" ]; then
        ALIGN_OFFSET=$LOCAL_OFFSET
        return 0
    fi
    best_sibling
    [ -n "$ALIGN_SIBLING" ] || return 0
    # The master may have spoken while the siblings were asked: then nothing lags.
    offset=$LOCAL_OFFSET
    read_local_replication
    [ "$LOCAL_SILENT" = 1 ] && [ "$LOCAL_OFFSET" = "$offset" ] || return 0
    replicaof_sibling
    ALIGN_OFFSET=""
}

# Follow the sibling replica holding the most of the stream of the master the local Redis
# names (detached or not), on the same history, its link up, if one holds more than it
# (best_sibling): status 0 when it did. replica-detach.sh's fast step, with no wait for a
# second silent check.
# The local Redis is read again before the `REPLICAOF` (has the master spoken meanwhile?),
# and the order itself goes on the connection that reads its role (replicaof_sibling): the
# leader of a failover may have promoted it (or pointed it elsewhere) while the siblings were
# asked, and following a sibling then undoes the promotion, so the failover aborts and the
# set has no writable master for twice its failover-timeout (explore seed 42's replays, 2 of
# 4: `MASTER MODE` from the leader, `REPLICAOF` a sibling 264 ms later; a drill run of
# `restart-beside-stale-sentinel`, 580 ms later).
follow_sibling() {
    local host offset
    ALIGN_ASKED=0
    read_local_replication
    [ -n "$LOCAL_MASTER_HOST" ] && [ -n "$LOCAL_OFFSET" ] || return 1
    host=$LOCAL_MASTER_HOST offset=$LOCAL_OFFSET
    best_sibling
    # shellcheck disable=SC2034 # read by replica-detach.sh's guard_promotion
    ALIGN_ASKED=1
    [ -n "$ALIGN_SIBLING" ] || return 1
    read_local_replication
    [ "$LOCAL_MASTER_HOST" = "$host" ] && [ "$LOCAL_OFFSET" = "$offset" ] || return 1
    replicaof_sibling
}

# Point the local Redis at ALIGN_SIBLING (found by best_sibling) and say why, only while it
# still replicates LOCAL_MASTER_HOST (replicaof_if_following: a Sentinel's order since wins).
replicaof_sibling() {
    local reply
    reply=$(replicaof_if_following "$LOCAL_MASTER_HOST" "" "$ALIGN_SIBLING" "$REDIS_PORT") ||
        return 1
    log "master $LOCAL_MASTER_HOST silent; $ALIGN_SIBLING, its replica too, holds more of" \
        "the same stream ($ALIGN_SIBLING_OFFSET > $LOCAL_OFFSET): REPLICAOF it -> $reply"
}
