# redis-start.sh: the redis container. Redis always starts as a replica of nothing (safe:
# no writes accepted, no sync served), then `take_role` asks the Sentinels and the peers
# which role this pod may take. Never "ordinal 0 is master": only on the very first boot,
# when nobody knows a master and nobody has data. See docs/architecture.md.
# shellcheck shell=dash
SCRIPT=redis-start
# shellcheck source=common.sh
. /scripts/common.sh

CONF=$CONF_DIR/redis.conf
STARTED_AT=$(date +%s)
# After a crash of this pod's master, how long this node leaves the Sentinels to replace it
# (the crash watcher asks for that within a second) before it may take the role back.
CRASH_HOLD_SECONDS=5

# An AOF directory as this script starts, before Redis runs: with appendonly on, Redis
# creates one (an empty AOF) at every start, so one seen later says nothing about data.
AOF_AT_START=""
[ ! -d "$DATA_DIR/appendonlydir" ] || AOF_AT_START=1

has_data() {
    [ -s "$DATA_DIR/dump.rdb" ] || [ -n "$AOF_AT_START" ]
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
            aof_from_rdb_conf
            # An empty node is never promoted before it has synced, unless the set is
            # fresh: a peer holds data, or the Sentinels already know replicas (the set has
            # a history, and its data may be on a pod that is down right now: promoting an
            # empty node would make that pod resync to nothing when it returns). Not on a
            # fresh set: Sentinel caches the priority for up to 10 s, which would leave it
            # nothing to promote right after bootstrap.
            if ! has_data && { scan_peers; [ "$BEST_PEER_OFFSET" -gt 0 ] ||
                { ask_sentinels; [ "$KNOWN_REPLICAS" -gt 0 ]; }; }; then
                echo "replica-priority 0"
            fi
            # During a rotation (previous-password set) both passwords open this node, so
            # clients, replicas and Sentinels not switched yet keep working; follow() picks
            # the masterauth the master accepts.
            if [ -n "$PREVIOUS_PASSWORD" ]; then
                echo "user default on >$PASSWORD >$PREVIOUS_PASSWORD ~* &* +@all"
                echo "masterauth $PASSWORD"
            elif [ -n "$PASSWORD" ]; then
                echo "requirepass $PASSWORD"
                echo "masterauth $PASSWORD"
            fi
        } >"$CONF.new"
    )
    mv "$CONF.new" "$CONF"
}

first_boot() {
    [ ! -e "$ROLE_MARKER" ] && ! has_data
}

# What this node holds: MY_OFFSET, above 0 whenever it holds a key (node_info), and
# MY_MASTER_REPLID when its data is on the history it created as master (its replication
# ID, restored from the RDB, is the one MASTER_HISTORY_FILE records): then no peer on
# another history holds more of it (scan_peers). A start from an AOF (a new ID), a snapshot
# older than the promotion, or a promotion not recorded yet leaves it "": offsets decide.
scan_self() {
    local recorded=""
    node_info "$LOCAL"
    MY_OFFSET=$NODE_OFFSET
    MY_MASTER_REPLID=""
    [ ! -s "$MASTER_HISTORY_FILE" ] || recorded=$(cat "$MASTER_HISTORY_FILE")
    if [ "$MY_OFFSET" -gt 1 ] && [ -n "$NODE_REPLID" ] && [ "$NODE_REPLID" = "$recorded" ]; then
        MY_MASTER_REPLID=$NODE_REPLID
    fi
}

# May this node replicate HOST (whose offset is OFFSET, "" when unknown)? A replica that
# syncs replaces its data with the master's, so only when that cannot trade more data for
# less: a majority of the Sentinels name HOST and HOST does not answer as a replica (their
# decision made it the rightful master; one they name that answers as a replica may be
# waiting for the data this node holds, and is judged by the data: drill
# `forgotten-failover`; one that does not answer is followed as before, so that a stalled
# failover of it is asked again once this node has its role),
# or HOST, not itself a replica of this node, holds at least this node's stream and the
# whole stream of every peer still replicating this node (scan_peers' PEERS_OUTGROWN).
# Such a peer resyncs from this node the moment this node's own link is up (a replica
# serves its replicas what it got from its master): a node restarted from an older
# snapshot, holding nothing, would otherwise pass a deposed master's data on to the replica
# that holds the most (drill `restart-beside-deposed-master`). A node holding nothing
# loses nothing by a sync, but follows no node answering as a replica: one that follows a
# node still waiting for its own role stops deciding its own, and the pod the Sentinels
# name could then neither ask for the peer holding the data nor take it over (explore seed
# 37, `kind` schedule 17: a wiped pod named by the newest Sentinel view followed a waiting
# empty pod, nobody served for 15 s, and the next fault wiped the only copy).
# docs/architecture.md §3, "The data rule", "Never through a node its replicas outgrew",
# "Never a replica of itself".
may_follow() {
    local offset=$2 waiting=""
    [ "$(info_field "$1" replication role)" != slave ] || waiting=1
    [ "$1" = "$SENTINEL_MASTER" ] && [ "$SENTINELS_AGREE" -ge "$MAJORITY" ] &&
        [ -z "$waiting" ] && return 0
    [ -n "$offset" ] || scan_peers
    ! listed "$1" "$PEERS_OUTGROWN" || return 1
    # A peer replicating this pod: following it closes a loop with no master in it, which
    # no Sentinel undoes (explore seed 33, schedule 5: a minority of Sentinels named it).
    ! listed "$1" "$PEERS_HERE" || return 1
    if [ "$MY_OFFSET" = 0 ]; then
        [ -z "$waiting" ]
        return
    fi
    if [ -z "$offset" ]; then
        peer_answered "$1" || return 1
        offset=$(peer_offset "$1")
    fi
    [ "$offset" -ge "$MY_OFFSET" ]
}

# The very first boot of the whole set: this pod and every peer answer, nobody holds data or
# a role, and the Sentinels know nothing but the ConfigMap's first guess (this pod). One
# pod's empty disk says nothing about the others: every peer must answer.
fresh_set() {
    first_boot && [ "$ORDINAL" = 0 ] && [ "$SENTINEL_MASTER" = "$SELF" ] &&
        [ "$KNOWN_REPLICAS" = 0 ] && [ -z "$PEER_MASTER" ] &&
        every_peer_up && [ "$PEERS_EMPTY" = "$PEERS_UP" ]
}

# The Sentinels name this pod, it held a role before, and no reachable peer holds more: it
# takes the role when every peer answered, or when a majority of the Sentinels name it and
# a majority of the pods answered holding data (this one included). A pod holding nothing
# counts for neither side: a wiped pod's Sentinel names the ConfigMap's first guess, and a
# node that lost its data may have missed the failover that moved the master away; two
# such pods are a majority that knows nothing of the pod still down, which may hold the
# latest writes (drill `forgotten-failover`). Never while a Sentinel is failing it over
# (two promotions at once). docs/architecture.md §3, case 5.
rightful_master() {
    local holding=$((PEERS_UP - PEERS_EMPTY))
    [ "$MY_OFFSET" = 0 ] || holding=$((holding + 1))
    [ "$SENTINEL_MASTER" = "$SELF" ] && ! first_boot && [ "$FAILOVER_UNDER_WAY" = 0 ] &&
        { every_peer_up ||
            { [ "$holding" -ge "$MAJORITY" ] && [ "$SENTINELS_AGREE" -ge "$MAJORITY" ]; }; }
}

# Whether the Sentinels could still fail this pod over: one that names it marks it
# objectively down (it may start a failover at any moment), or the Sentinels naming it
# without a live link to it (marking it down, or not connected to it yet: a name that does
# not resolve yet) and those that do not answer make a quorum: each of them marks it
# subjectively down at down-after unless its link comes up first, and a quorum of them
# reaches objectively down. Taking the master role then would race their failover: writes
# accepted here until the promoted replica demotes this node are lost. A Sentinel naming
# another master counts for neither side: it cannot report this pod down (Sentinels ask
# each other by the master's address) until it follows the others, and then it starts
# counting down-after afresh. A Sentinel's link comes up within a second of the name
# resolving, so this waits about that long. docs/architecture.md §3, "Not while the
# Sentinels could fail it over".
down_for_a_quorum() {
    [ "$SENTINEL_ODOWN" = 1 ] ||
        [ $((SENTINELS_AGREE - SENTINELS_LIVE + REPLICAS - SENTINELS_UP)) -ge "$TALLY_QUORUM" ]
}

follow() {
    log "replicating $1"
    match_masterauth "$1"
    # The Sentinels were asked seconds ago (peers' INFO, the masterauth match): a failover
    # in between may have promoted this node. Following the old master now would demote the
    # new one, and the old one, following the Sentinels, would replicate this node: a
    # replication loop with no master, which no Sentinel undoes (docs/architecture.md §3).
    if [ "$(info_field "$LOCAL" replication role)" = master ]; then
        log "a Sentinel promoted this node meanwhile: not replicating $1"
        return 1
    fi
    [ "$(redis_cmd "$LOCAL" REPLICAOF "$1" "$REDIS_PORT" | tr -d '\r')" = "OK" ]
}

promote() {
    log "taking the master role: $1"
    [ "$(redis_cmd "$LOCAL" REPLICAOF NO ONE | tr -d '\r')" = "OK" ]
}

# The Sentinels name this pod but know no replica they could promote instead (Sentinel
# learns replicas only from the master's INFO, every 10 s: a master lost right after its
# replicas attached leaves them unknown), or none of them would promote PEER, which holds
# the most data (promotes_best). Rather than wait forever or serve less data, copy
# the data of PEER first: PEER serves it as a master nobody writes to (the Sentinels name
# this pod), this node syncs, takes the master role, and PEER replicates it again.
adopt_data_of() {
    local peer=$1 i=0
    log "no Sentinel would promote $peer, which holds the most data: taking over its data first"
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

# The replication offset the last scan_peers read from peer HOST (0 when it did not answer).
peer_offset() {
    local entry
    for entry in $PEER_OFFSETS; do
        if [ "${entry%=*}" = "$1" ]; then
            echo "${entry##*=}"
            return 0
        fi
    done
    echo 0
}

# Whether the Sentinel at HOST, asked for a failover now, would promote a replica holding the
# data of BEST_PEER: every replica it ranks first holds BEST_PEER_OFFSET and is not outgrown
# by a replica of this pod (a deposed master's offset grows on its own), and none can drop
# out of its choice (sentinel_choice_of). A Sentinel promotes among the replicas it reaches:
# one that cannot resolve the best peer's name yet (a pod just started) would promote a
# replica holding less, and the best peer would then resync from it and lose what only it
# held (drill `pvc-lost-peers-down`). docs/architecture.md §3, case 3.
promotes_best() {
    local host
    sentinel_choice_of "$(sentinel_cmd "$1" SENTINEL REPLICAS "$MASTER_NAME" | tr -d '\r')"
    if [ -n "$CHOICE" ] && [ "$CHOICE_SURE" = 1 ]; then
        for host in $CHOICE; do
            [ "$(peer_offset "$host")" -ge "$BEST_PEER_OFFSET" ] &&
                ! listed "$host" "$PEERS_OUTGROWN" || break
            host=""
        done
        [ -z "$host" ] && return 0
    fi
    note_choice "$1"
    return 1
}

# Log once per Sentinel and choice why promotes_best did not ask the Sentinel at HOST.
note_choice() {
    local note entry kept=""
    # One word: hosts are FQDNs (no blanks).
    note="$1>$(printf '%s' "${CHOICE# }" | tr ' ' ,)>$CHOICE_SURE"
    for entry in $CHOICE_NOTED; do
        [ "$entry" = "$note" ] && return 0
        [ "${entry%%>*}" = "$1" ] || kept="$kept $entry"
    done
    CHOICE_NOTED="$kept $note"
    if [ -z "$CHOICE" ]; then
        log "the Sentinel at $1 knows no replica it could promote: not asking it"
    elif [ "$CHOICE_SURE" = 1 ]; then
        log "the Sentinel at $1 would promote$CHOICE, not $BEST_PEER (the most data):" \
            "not asking it"
    else
        log "the Sentinel at $1 would promote$CHOICE, but its view of them is not" \
            "fresh enough to be sure: not asking it yet"
    fi
}

# This start follows a crash of this pod's master (it served as master during the pod's
# life, and no preStop stopped it) and the crash watcher may still be asking the Sentinels
# to replace it: for CRASH_HOLD_SECONDS this node neither takes the master role back nor
# asks a failover itself (two forced failovers at two Sentinels could promote two
# replicas). docs/architecture.md §17.
crash_hold() {
    [ -n "$CRASHED_MASTER" ] && [ $(($(date +%s) - STARTED_AT)) -lt "$CRASH_HOLD_SECONDS" ]
}

# Whether the failover of the master this node follows is stalled: the Sentinels name
# another pod, which does not answer, one of them marks it objectively down, none is failing
# it over, and every other peer answers (their data is known). A Sentinel starts a failover
# the moment it marks the master objectively down, unless it tried (or voted) within 2 ×
# failover-timeout: so this is a failover that aborted, for instance the leader waiting
# failover-timeout for a promoted replica that crashed before it reported its role, then
# holding its retry (Redis's sentinel.conf, failover-timeout). Drill
# `handover-target-crash`; docs/architecture.md §3, "A stalled failover is asked again".
failover_stalled() {
    ask_sentinels
    [ -n "$SENTINEL_MASTER" ] && [ "$SENTINEL_MASTER" != "$SELF" ] &&
        [ "$SENTINEL_ODOWN" = 1 ] && [ "$FAILOVER_UNDER_WAY" = 0 ] &&
        [ "$SENTINELS_UP" -ge "$MAJORITY" ] || return 1
    scan_peers
    ! peer_answered "$SENTINEL_MASTER" && [ "$PEERS_UP" -ge $((REPLICAS - 2)) ]
}

# SENTINEL FAILOVER (which Sentinel runs without its retry delay) asked of the first
# Sentinel that answers, in the pods' order, and of no other: every pod that asks asks the
# same one, so a second request meets -INPROG rather than starting a second failover (a
# forced failover asks no vote). Only when that Sentinel names the stalled master, runs no
# failover, and would promote a replica holding the best peer's data (promotes_best).
ask_stalled_failover() {
    local host
    for host in $(all_pods); do
        sentinel_view "$(sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" | tr -d '\r')"
        [ -n "$VIEW_IP" ] || continue
        [ "$VIEW_IP" = "$SENTINEL_MASTER" ] && [ "$VIEW_FAILING_OVER" = 0 ] &&
            promotes_best "$host" || return 1
        [ "$(sentinel_cmd "$host" SENTINEL FAILOVER "$MASTER_NAME" | tr -d '\r')" = OK ] ||
            return 1
        log "the failover of $SENTINEL_MASTER stalled (objectively down, none running):" \
            "Sentinel at $host accepted a failover of $MASTER_NAME"
        return 0
    done
    return 1
}

# Rounds (~1 s each, beside the Sentinels' replies) a failover must look stalled before it
# is asked: a Sentinel starts its own within a second of marking the master objectively down.
STALL_ROUNDS=2

# take_role's rounds, every peer answering, without a Sentinel that would promote the best
# peer, before this node takes over that peer's data itself (~1 s a round; the Sentinels'
# own rule fails over a master reporting role:slave after down-after + 20 s).
UNASKED_ROUNDS=8

# An empty node is never promoted before it has synced unless the set is fresh
# (write_redis_conf), but its start may have come before any peer or Sentinel answered (the
# whole set starting at once). Once a peer answers holding data, or the Sentinels know
# replicas, the set has a history: replica-priority 0 until take_role's end restores it. A
# wiped pod following a waiting one was otherwise what the Sentinels promoted when they
# failed that one over (a master answering role:slave for down-after + 20 s), and the pod
# holding the data resynced from it (drill `forgotten-failover`, production: 52 of 1,000
# writes lost).
hold_back_while_empty() {
    [ "$MY_OFFSET" = 0 ] && [ -z "$HELD_BACK" ] || return 0
    [ "$KNOWN_REPLICAS" -gt 0 ] || { scan_peers; [ "$BEST_PEER_OFFSET" -gt 0 ]; } || return 0
    [ "$(redis_cmd "$LOCAL" CONFIG SET replica-priority 0 | tr -d '\r')" = OK ] || return 0
    HELD_BACK=1
    log "holding nothing in a set with a history: replica-priority 0 until synced"
}
HELD_BACK=""

# Loops until this pod has a role; waiting is always safe, guessing is not.
take_role() {
    local waited=0 stuck=0 unasked=0 seen_down="" stalled=0
    until [ "$(redis_cmd "$LOCAL" PING | tr -d '\r')" = "PONG" ]; do
        sleep 1
    done
    aof_from_rdb
    while :; do
        ask_sentinels
        scan_self
        hold_back_while_empty
        # This node started as a replica of nothing: answering master while the newest
        # Sentinel view names it, a Sentinel promoted it meanwhile (a failover another pod
        # asked for). Its replicas, read after its own offset, may be ahead by the writes in
        # between: not data it lacks, and asking a failover away from the master the
        # Sentinels just chose would leave two masters. docs/architecture.md §3.
        if [ "$NODE_ROLE" = master ] && [ "$SENTINEL_MASTER" = "$SELF" ]; then
            log "a Sentinel promoted this node: keeping the master role"
            break
        fi
        if [ -n "$SENTINEL_MASTER" ] && [ "$SENTINEL_MASTER" != "$SELF" ]; then
            may_follow "$SENTINEL_MASTER" "" && follow "$SENTINEL_MASTER" && break
        else
            scan_peers
            # A peer answering master that this node may not follow (it holds less than this
            # node or its replicas) leaves the choice to the branches below: the Sentinels
            # fail this pod over to the peer holding the most, or it takes over that data.
            if [ -n "$PEER_MASTER" ] && may_follow "$PEER_MASTER" "$PEER_MASTER_OFFSET"; then
                follow "$PEER_MASTER" && break
            elif [ "$SENTINEL_MASTER" = "$SELF" ] && crash_hold; then
                : # the crash watcher's turn
            elif [ "$BEST_PEER_OFFSET" -gt "$MY_OFFSET" ]; then
                # A peer holds data this node lacks (it restarted empty or from an old
                # snapshot): this copy must not be served as master. While the Sentinels
                # still name this pod, ask them to promote the best replica instead: once
                # every peer answers (a missing one may hold more still) or after 30
                # rounds, and only a Sentinel that would promote a replica holding the
                # best peer's data. If none does, take over that data: after
                # UNASKED_ROUNDS rounds with every peer answering while the Sentinels know
                # replicas (before their own rule fails this node over, promoting the
                # replica they rank first, which may hold less: an AOF restores no
                # offset), after 30 otherwise.
                if [ "$SENTINEL_MASTER" = "$SELF" ] && [ "$SENTINELS_UP" -ge "$MAJORITY" ] &&
                    [ "$FAILOVER_UNDER_WAY" = 0 ]; then
                    # This pod's own Sentinel first, the one the crash watcher asks: a
                    # second request then meets -INPROG rather than a second failover.
                    # One argument per pod (FQDNs: no blanks, no glob characters).
                    # shellcheck disable=SC2046
                    if [ "$KNOWN_REPLICAS" != 0 ] &&
                        { every_peer_up || [ "$stuck" -ge 30 ]; } &&
                        request_failover_if promotes_best "$SELF" $(peers); then
                        sleep 1
                    elif [ "$stuck" -ge 30 ] || [ "$unasked" -ge "$UNASKED_ROUNDS" ]; then
                        adopt_data_of "$BEST_PEER" && break
                    else
                        stuck=$((stuck + 1))
                        if [ "$KNOWN_REPLICAS" != 0 ] && every_peer_up; then
                            unasked=$((unasked + 1))
                        fi
                        if [ "$stuck" = 1 ] && ! every_peer_up; then
                            log "$BEST_PEER holds data this node lacks; waiting for every" \
                                "peer to answer before asking for a failover" \
                                "($PEERS_UP of $((REPLICAS - 1)) do)"
                        fi
                    fi
                fi
            elif fresh_set; then
                promote "first boot of the set: every pod answered, none holds data" && break
            elif [ -z "$PEER_MASTER" ] && rightful_master; then
                if ! down_for_a_quorum; then
                    promote "the Sentinels name this pod and no reachable peer has more data" && break
                elif [ -z "$seen_down" ]; then
                    seen_down=1
                    log "the Sentinels name this pod, but only $SENTINELS_LIVE of the" \
                        "$SENTINELS_AGREE naming it hold a live link to it ($SENTINELS_UP of" \
                        "$REPLICAS answering, $SENTINELS_SEE_DOWN see it down, quorum" \
                        "$TALLY_QUORUM): waiting until they see it up or fail it over"
                fi
            fi
        fi
        sleep 1
        waited=$((waited + 1))
        [ $((waited % 15)) = 0 ] &&
            log "still waiting for a role: Sentinels name '${SENTINEL_MASTER:-nobody}'" \
                "($SENTINELS_UP answering, $SENTINELS_AGREE agreeing), $PEERS_UP peers up" \
                "($PEERS_EMPTY holding nothing);" \
                "this node's offset $MY_OFFSET, the best peer's $BEST_PEER_OFFSET"
    done
    : >"$ROLE_MARKER"
    # Back to the normal promotion priority once this node holds a master's data. Until
    # then, a stalled failover of the master it follows is asked again.
    until [ "$(info_field "$LOCAL" replication role)" = master ] ||
        [ "$(info_field "$LOCAL" replication master_link_status)" = up ]; do
        if failover_stalled; then
            stalled=$((stalled + 1))
            if [ "$stalled" -ge "$STALL_ROUNDS" ]; then
                ask_stalled_failover || true
                # Asked (or refused): twelve more stalled rounds before the next request.
                stalled=$((-STALL_ROUNDS * 5))
            fi
        elif [ "$stalled" -gt 0 ]; then
            stalled=0
        fi
        sleep 1
    done
    redis_cmd "$LOCAL" CONFIG SET replica-priority "$SERVING_PRIORITY" >/dev/null
}

check_password
# A start after preStop is a planned restart; one without, in a pod whose redis-server
# served as master, follows a crash.
CRASHED_MASTER=""
if [ -e "$SERVED_MASTER_MARKER" ] && [ ! -e "$STOPPING_MARKER" ]; then
    CRASHED_MASTER=1
    log "this pod's redis-server served as master and stopped without preStop: a crash"
fi
# shellcheck source=restore.sh
. /scripts/restore.sh
restore_if_set_lost
# shellcheck source=aof.sh
. /scripts/aof.sh
aof_from_rdb_needed
rm -f "$STOPPING_MARKER"
write_redis_conf
[ -z "$PASSWORD" ] || remember_secret masterauth "$PASSWORD"
# In a subshell that exits at once: the job is the pod's pause's to reap, not a child the
# exec'd server would never wait for (a zombie for the container's life).
( take_role & )
exec "$SERVER" "$CONF"
