# master-fence.sh: runs beside Sentinel in the sentinel container (sentinel-start.sh starts
# it). The isolated-master fence, docs/architecture.md §18: while this pod's redis-server is
# master and write safety is asked for (min-replicas-to-write ≥ 1), a master cut off from
# its peers (its Sentinel hears no Sentinel majority, and too few replicas keep up with it
# for the others to lack a quorum) refuses writes (`min-replicas-to-write` set out of reach:
# NOREPLICAS at once) and takes them again only once a majority of Sentinels names it
# master again. The Sentinels on the other side fail it over after
# down-after-milliseconds; when the cut heals, a replica not yet moved to the new master
# would otherwise acknowledge (WAIT) the writes this deposed master takes, and they would be
# discarded when it moves. A master every replica let go of (replica-detach.sh: their
# Sentinels find it silent) is fenced too, until a replica follows it again and a majority
# of Sentinels name it with a live link to it: its own Sentinel, which still reaches it,
# would otherwise hand it a returning old master as a replica that acknowledges its writes
# until that node's watcher lets go (§18, "A master its replicas let go of").
# shellcheck shell=dash
SCRIPT=master-fence
# shellcheck source=common.sh
. /scripts/common.sh

# How often the local Redis's replication and the local Sentinel's view of its peers are
# read (seconds; BusyBox and coreutils sleep take fractions) while the local Redis is
# master, IDLE_INTERVAL otherwise. Two `redis-cli` calls a check: twice a second keeps the
# watcher's cost on the master's pod small and still fences within half of down-after plus
# one interval, before any Sentinel can start a failover.
CHECK_INTERVAL=0.5
CHECK_INTERVAL_MS=500
IDLE_INTERVAL=1
# The fence: a min-replicas-to-write no set reaches. Not `CLIENT PAUSE WRITE`: it would hold
# the Sentinels' hello PUBLISHes too, and with them the INFO on the same link that lets them
# demote this master. The value it replaces is kept in the pod's /tmp (an emptyDir shared by
# its containers) until restored, so a watcher restarted with the container puts it back.
FENCED_MIN_REPLICAS=999999
SAVED=/tmp/master-fence.min-replicas

# The offsets this master reported at its last checks, oldest first: a replica keeps up
# when it acknowledged at least the oldest (about half of down-after ago).
HISTORY=""

# One `INFO replication` of the local Redis read in the shell (no pipeline: the watcher runs
# twice a second on the master's pod). Sets ROLE (`master`, `slave`; "" when the local Redis
# does not answer), REPLID (its replication ID) and, for a master, ONLINE (replicas whose
# link is up, `state=online`) and GOOD: replicas
# acknowledging fresh (at most LAG seconds ago, Redis's `lag`) and at least the oldest
# offset of HISTORY, which this call extends (by the master's offset now) and trims to KEEP
# entries. Not its acknowledgements alone: a replica that hears nothing from this master
# (frames dropped one way) still acknowledges, an offset that no longer grows.
read_replication() {
    local info line offset="" lag oldest online=""
    ROLE="" GOOD="" REPLID="" ONLINE=0
    info=$(redis_cmd "$LOCAL" INFO replication) || return 0
    while IFS= read -r line; do
        line=${line%"$CR"}
        case $line in
            role:*) ROLE=${line#role:} ;;
            master_replid:*) REPLID=${line#master_replid:} ;;
            master_repl_offset:*) offset=${line#master_repl_offset:} ;;
            slave[0-9]*:*state=online*) online="$online $line" ;;
        esac
    done <<EOF
$info
EOF
    [ "$ROLE" = master ] && [ -n "$offset" ] && [ -n "$KEEP" ] || return 0
    HISTORY="$HISTORY $offset"
    # shellcheck disable=SC2086 # word splitting is the point: one entry a word
    set -- $HISTORY
    while [ "$#" -gt "$KEEP" ]; do
        shift
    done
    HISTORY="$*"
    oldest=$1
    GOOD=0
    # shellcheck disable=SC2086 # one replica's line a word (the lines hold no blanks)
    for line in $online; do
        ONLINE=$((ONLINE + 1))
        offset=${line#*,offset=}
        offset=${offset%%,*}
        lag=${line#*,lag=}
        lag=${lag%%,*}
        [ "$lag" -le "$LAG" ] 2>/dev/null && [ "$offset" -ge "$oldest" ] 2>/dev/null &&
            GOOD=$((GOOD + 1))
    done
}

# Peers (other Sentinels) the local Sentinel heard from within LIMIT_MS: counted from
# `SENTINEL SENTINELS` (its `last-ok-ping-reply` per peer; Sentinel pings every peer once a
# second). Prints nothing when the local Sentinel does not answer.
reachable_peers() {
    local limit=$1 reply key="" line n=0
    reply=$(sentinel_cmd "$LOCAL" SENTINEL SENTINELS "$MASTER_NAME") || return 0
    case $reply in ERR* | NOAUTH* | WRONGPASS* | "Could not"*) return 0 ;; esac
    while IFS= read -r line; do
        line=${line%"$CR"}
        if [ -z "$key" ]; then
            key=$line
            continue
        fi
        if [ "$key" = last-ok-ping-reply ] && [ "$line" -le "$limit" ] 2>/dev/null; then
            n=$((n + 1))
        fi
        key=""
    done <<EOF
$reply
EOF
    echo "$n"
}

# One field of the local Sentinel's `SENTINEL MASTER` reply ("" when it does not answer).
local_master_field() {
    sentinel_cmd "$LOCAL" SENTINEL MASTER "$MASTER_NAME" | tr -d '\r' | sed -n "/^$1\$/{n;p;q}"
}

# Every Sentinel asked at once (one round trip however many time out): a majority must name
# this pod, hold a live link to it (a PING answered lately: common.sh, sentinel_view) and
# none may be failing it over. Not the naming alone: the Sentinels of a cut go on naming the
# master they cannot reach until down-after. Each is also asked for its last vote in an
# election for this master: `SENTINEL IS-MASTER-DOWN-BY-ADDR` with epoch 0 casts no vote and
# changes nothing, it answers the leader and epoch of that Sentinel's last vote (checked on
# Redis 7.0.15). UNAPPLIED_EPOCH: the newest epoch a Sentinel that names this pod voted in
# beyond the config it holds (0: none).
majority_names_self() {
    local dir=/tmp/master-fence host i=0 file vote
    mkdir -p "$dir"
    rm -f "$dir"/*
    for host in $(all_pods); do
        i=$((i + 1))
        sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" >"$dir/sentinel.$i" &
        sentinel_cmd "$host" SENTINEL IS-MASTER-DOWN-BY-ADDR "$SELF" "$REDIS_PORT" 0 fence >"$dir/vote.$i" &
    done
    wait
    start_sentinel_tally
    UNAPPLIED_EPOCH=0
    for file in "$dir"/sentinel.*; do
        tally_sentinel_reply "$(tr -d '\r' <"$file")"
        [ "$VIEW_IP" = "$SELF" ] || continue
        vote=$(tr -d '\r' <"$dir/vote.${file##*.}" | sed -n 3p)
        [ "$vote" -gt "$VIEW_EPOCH" ] 2>/dev/null && [ "$vote" -gt "$UNAPPLIED_EPOCH" ] &&
            UNAPPLIED_EPOCH=$vote
    done
    end_sentinel_tally
    [ "$SENTINEL_MASTER" = "$SELF" ] && [ "$SENTINELS_AGREE" -ge "$MAJORITY" ] &&
        [ "$SENTINELS_LIVE" -ge "$MAJORITY" ] && [ "$FAILOVER_UNDER_WAY" = 0 ]
}

# A Sentinel that names this pod voted in an election newer than the config it holds: its
# leader may have promoted another pod and been cut off before telling anyone. That config
# wins when it comes back (its epoch is higher), and every write this master took meanwhile
# is lost (explorer seed 12, schedule 4). Such a promoted pod is one this pod cannot reach:
# true (the fence stays) unless every other pod's Redis answers `ROLE` and none is master,
# which is what an election that ended without a promotion (aborted, not elected) leaves.
orphan_master_possible() {
    local dir=/tmp/master-fence host i=0 file role
    for host in $(all_pods); do
        [ "$host" = "$SELF" ] && continue
        i=$((i + 1))
        redis_cmd "$host" ROLE >"$dir/role.$i" &
    done
    wait
    for file in "$dir"/role.*; do
        [ -e "$file" ] || continue
        role=$(tr -d '\r' <"$file" | sed -n 1p)
        case $role in
            slave) ;;
            *) return 0 ;;
        esac
    done
    return 1
}

# Record the history this pod's Redis created as master (REPLID, read as master), once per
# promotion, for redis-start.sh's next start (MASTER_HISTORY_FILE, scan_self): whole or
# not at all (a rename), and nothing when the volume is not writable.
record_master_history() {
    [ -n "$REPLID" ] && [ "$REPLID" != "$RECORDED_REPLID" ] || return 0
    if [ -d "$CONF_DIR" ] && echo "$REPLID" >"$MASTER_HISTORY_FILE.new" 2>/dev/null &&
        mv "$MASTER_HISTORY_FILE.new" "$MASTER_HISTORY_FILE"; then
        RECORDED_REPLID=$REPLID
    fi
}

# The local Sentinel names another pod master at a config epoch newer than the one it named
# this pod by (MY_EPOCH, recorded at the checks where it named this pod; "" until then): a
# failover replaced this master. It answers again (a freeze, a pause, a cut ended) before
# the Sentinels convert it, which they do only seconds after it answers; meanwhile a replica
# still following it (frozen with it, or not moved yet) acknowledges (WAIT) the writes it
# takes, and the conversion discards them (drill `deposed-master-returns-with-replica`). A
# config epoch grows only with a failover, so a newer one naming another pod is one this pod
# lost. docs/architecture.md §18, "A deposed master refuses writes".
deposed() {
    sentinel_view "$(sentinel_cmd "$LOCAL" SENTINEL MASTER "$MASTER_NAME" | tr -d '\r')"
    [ -n "$VIEW_IP" ] || return 1
    if [ "$VIEW_IP" = "$SELF" ]; then
        MY_EPOCH=$VIEW_EPOCH
        return 1
    fi
    [ -n "$MY_EPOCH" ] && [ "$VIEW_EPOCH" -gt "$MY_EPOCH" ]
}

# The fence sent while the local Redis does not answer (frozen, paused, busy) and its
# Sentinel says it was failed over (deposed): the request waits in the connection and lands
# the moment the Redis runs again, before the writes its clients send after that — where the
# next check would come up to CHECK_INTERVAL later (0.19 and 0.68 s measured, 4 and 5
# acknowledged writes of one client). The value it replaces is the one read when the watcher
# armed. A Redis restarted meanwhile gets it as a replica of nothing: lifted as for any
# replica. Status 0 when it landed, 2 when it timed out (the Redis still does not answer:
# tried again at once), 1 otherwise (refused: nothing listens; the checks' pace again).
fence_unanswered() {
    local reply status
    [ -s "$SAVED" ] || echo "$ARMED_MIN_REPLICAS" >"$SAVED"
    reply=$(redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write \
        "$FENCED_MIN_REPLICAS")
    status=$?
    [ "${reply%"$CR"}" = OK ] && return 0
    # timeout(1)'s status when it stopped the call: 124 (coreutils), 143 (BusyBox: SIGTERM).
    case $status in 124 | 143) return 2 ;; esac
    return 1
}

# fence_unanswered, and what follows from its status (UNANSWERED: 1 to try again at once).
try_fence_unanswered() {
    local status=0
    fence_unanswered || status=$?
    UNANSWERED=0
    case $status in
        0)
            fenced=1
            log "the local Sentinel names $VIEW_IP master at epoch $VIEW_EPOCH, newer than the" \
                "epoch $MY_EPOCH it named this pod by, while the local Redis did not answer:" \
                "writes refused from the moment it answered again"
            ;;
        2) UNANSWERED=1 ;;
    esac
}

fence() {
    local current
    current=$(redis_cmd "$LOCAL" CONFIG GET min-replicas-to-write | tr -d '\r' | sed -n 2p)
    [ -n "$current" ] || return 1
    [ "$current" = "$FENCED_MIN_REPLICAS" ] || echo "$current" >"$SAVED"
    redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write "$FENCED_MIN_REPLICAS" >/dev/null
}

# Put back the value the fence replaced; status 1 (the record kept, to try again) when the
# local Redis does not answer. preStop sets its own out-of-reach value for its hand-over;
# that one is never touched here.
lift() {
    local current
    [ -s "$SAVED" ] || return 0
    current=$(redis_cmd "$LOCAL" CONFIG GET min-replicas-to-write | tr -d '\r' | sed -n 2p)
    case $current in
        "") return 1 ;;
        "$FENCED_MIN_REPLICAS")
            [ "$(redis_cmd "$LOCAL" CONFIG SET min-replicas-to-write "$(cat "$SAVED")" | tr -d '\r')" = OK ] ||
                return 1
            ;;
    esac
    rm -f "$SAVED"
}

# armed: this Redis is master, write safety is on and the local Sentinel has heard from a
# majority since (a fresh set whose Sentinels have not met yet is not fenced). fenced: it
# refuses writes. had_replicas: a replica has followed it since it armed. orphaned: the fence
# is for replicas that all let go (lifted only once one follows again). A fence a previous
# watcher left (its container restarted) is lifted first: this one decides afresh.
armed=0
fenced=0
had_replicas=0
orphaned=0
held_for=""
MY_EPOCH=""
ARMED_MIN_REPLICAS=""
RECORDED_REPLID=""
[ ! -s "$MASTER_HISTORY_FILE" ] || RECORDED_REPLID=$(cat "$MASTER_HISTORY_FILE")
UNANSWERED=0
need=$((MAJORITY - 1))
limit_ms=""
KEEP=""
while :; do
    if [ "$UNANSWERED" = 1 ] && [ ! -e "$STOPPING_MARKER" ]; then
        try_fence_unanswered
        continue
    fi
    if [ "$armed" = 1 ]; then
        sleep "$CHECK_INTERVAL" 2>/dev/null || sleep 1
    else
        sleep "$IDLE_INTERVAL"
    fi
    [ "$fenced" = 1 ] || lift || continue
    if [ -e "$STOPPING_MARKER" ]; then
        armed=0 fenced=0
        continue
    fi
    read_replication
    case $ROLE in
        master) record_master_history ;;
        "")
            # No answer (busy, frozen, restarting): nothing is decided on it, but a master its
            # Sentinel says was failed over gets the fence at once (fence_unanswered).
            if [ "$armed" = 1 ] && [ "$fenced" = 0 ] && deposed; then
                try_fence_unanswered
            fi
            continue
            ;;
        *)
            if [ "$fenced" = 1 ] && lift; then
                log "the local Redis is a replica now: fence lifted"
                fenced=0
            fi
            armed=0 had_replicas=0 orphaned=0
            MY_EPOCH=""
            continue
            ;;
    esac
    if [ "$armed" = 0 ]; then
        [ "$need" -gt 0 ] || continue
        ARMED_MIN_REPLICAS=$(redis_cmd "$LOCAL" CONFIG GET min-replicas-to-write |
            tr -d '\r' | sed -n 2p)
        [ "$ARMED_MIN_REPLICAS" -ge 1 ] 2>/dev/null || continue
        # Half of down-after: a write taken just before the fence and WAITed on for less
        # than the other half is answered before any Sentinel can start a failover.
        limit_ms=$(local_master_field down-after-milliseconds)
        quorum=$(local_master_field quorum)
        [ "$limit_ms" -gt 0 ] 2>/dev/null && [ "$quorum" -gt 0 ] 2>/dev/null || continue
        limit_ms=$((limit_ms / 2))
        LAG=$((limit_ms / 1000))
        KEEP=$((limit_ms / CHECK_INTERVAL_MS + 1))
        HISTORY=""
        # The Sentinels that can see this master: its own and one per replica keeping up.
        # With at least REPLICAS - quorum replicas keeping up, the others are fewer than a
        # quorum and cannot agree it is down.
        replicas_needed=$((REPLICAS - quorum))
        [ "$replicas_needed" -gt 0 ] || continue
    fi
    [ -n "$GOOD" ] || continue
    if [ "$armed" = 1 ] && [ "$fenced" = 0 ] && deposed; then
        fence || continue
        fenced=1
        log "the local Sentinel names $VIEW_IP master at epoch $VIEW_EPOCH, newer than the" \
            "epoch $MY_EPOCH it named this pod by: writes refused until the Sentinels convert" \
            "this deposed master or a majority names it again"
        continue
    fi
    # Every replica let go of this master (or left: a restart, a sync) after one followed
    # it. With none, `min-replicas-to-write` refuses writes already, so the fence costs
    # nothing now; what it stops is the next replica its own Sentinel hands it. In a cut of
    # this master from the other pods' Sentinels (theirs do not reach it, its own does), that
    # Sentinel converts a returning old master into its replica, and the writes that node
    # acknowledges until its own watcher lets go are lost when the others promote the
    # replica that let go first (explore seed 42, drill `stale-master-joins-cut-master`).
    if [ "$armed" = 1 ] && [ "$fenced" = 0 ]; then
        if [ "$ONLINE" -gt 0 ]; then
            had_replicas=1
        elif [ "$had_replicas" = 1 ]; then
            fence || continue
            fenced=1 orphaned=1
            log "every replica let go of this master: writes refused until one follows it" \
                "again and a majority of Sentinels name this pod, their links to it live"
            continue
        fi
    fi
    heard=$(reachable_peers "$limit_ms")
    [ -n "$heard" ] || continue
    if [ "$armed" = 0 ]; then
        [ "$heard" -ge "$need" ] && armed=1
        continue
    fi
    if [ "$fenced" = 0 ]; then
        [ "$heard" -lt "$need" ] && [ "$GOOD" -lt "$replicas_needed" ] || continue
        fence || continue
        fenced=1
        log "the local Sentinel heard from $heard other Sentinels within ${limit_ms}ms" \
            "(a majority needs $need) and $GOOD replicas keep up (the other Sentinels lack a" \
            "quorum with $replicas_needed): writes refused until a majority names this pod again"
        continue
    fi
    [ "$heard" -ge "$need" ] || continue
    [ "$orphaned" = 0 ] || [ "$ONLINE" -gt 0 ] || continue
    majority_names_self || continue
    if [ "$UNAPPLIED_EPOCH" -gt 0 ] && orphan_master_possible; then
        if [ "$held_for" != "$UNAPPLIED_EPOCH" ]; then
            held_for=$UNAPPLIED_EPOCH
            log "a Sentinel voted in election $UNAPPLIED_EPOCH, newer than the config it names" \
                "this pod by, and a pod that leader could have promoted does not answer:" \
                "writes refused until the Sentinels learn that election's outcome"
        fi
    elif lift; then
        fenced=0 orphaned=0
        held_for=""
        log "$SENTINELS_AGREE Sentinels name this pod master, $SENTINELS_LIVE with a live link:" \
            "writes taken again"
    fi
done
