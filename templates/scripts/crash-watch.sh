# crash-watch.sh: runs beside Sentinel in the sentinel container (sentinel-start.sh starts
# it). The crash fast path, docs/architecture.md §17: when this pod's redis-server, seen
# serving as master, is certainly dead (the pod's loopback refuses its port twice in a row,
# or a new process answers), and every safety condition holds, it asks its own Sentinel for
# `SENTINEL FAILOVER` at once instead of leaving Sentinel to wait down-after-milliseconds.
# A freeze (SIGSTOP, a long fork) never fires it: a stopped process still holds its socket,
# so a connect succeeds or times out, it is never refused.
# shellcheck shell=dash
SCRIPT=crash-watch
# shellcheck source=common.sh
. /scripts/common.sh

# Checks of the local port this far apart while the local Redis is master (seconds;
# BusyBox and coreutils sleep take fractions), IDLE_INTERVAL otherwise (to notice that it
# became master); two refused in a row, CONFIRM_INTERVAL apart, make a death. The first
# refusal starts gathering what the decision needs (in the background, reaped before
# anything else), so the second one decides at once.
CHECK_INTERVAL=0.05
CONFIRM_INTERVAL=0.02
IDLE_INTERVAL=1
REFUSED_TO_FIRE=2
# A replica is good when its link to this pod was up at most this many seconds ago.
REPLICA_FRESH_SECONDS=2
# The password the local Redis accepted last (either during a rotation).
WATCH_AUTH=$PASSWORD

# STATE: what the local Redis is right now: master; restarted (a new process: the safe replica of
# nothing every start begins as, or LOADING); refused (nothing listens: the process is
# gone); replica (of a real master); timeout (no answer within 1 s: frozen or busy); other
# (an error).
local_state() {
    local out role="" host="" port="" n=0 line
    if [ -n "$WATCH_AUTH" ]; then
        out=$(REDISCLI_AUTH=$WATCH_AUTH timeout 1 $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" ROLE 2>&1 | tr -d '\r')
    else
        out=$(timeout 1 $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" ROLE 2>&1 | tr -d '\r')
    fi
    while IFS= read -r line && [ "$n" -lt 3 ]; do
        n=$((n + 1))
        case $n in
            1) role=$line ;;
            2) host=$line ;;
            3) port=$line ;;
        esac
    done <<EOF
$out
EOF
    case $out in
        *"Connection refused"*) STATE=refused ;;
        "") STATE=timeout ;;
        LOADING*) STATE=restarted ;;
        NOAUTH* | WRONGPASS*)
            # During a rotation this Redis may know only the previous password.
            [ -z "$PREVIOUS_PASSWORD" ] || [ "$WATCH_AUTH" = "$PREVIOUS_PASSWORD" ] ||
                WATCH_AUTH=$PREVIOUS_PASSWORD
            STATE=other
            ;;
        *)
            if [ "$role" = master ]; then
                STATE=master
            elif [ "$role" = slave ] && [ "$host" = "$SAFE_MASTER_HOST" ] &&
                [ "$port" = "$SAFE_MASTER_PORT" ]; then
                STATE=restarted
            elif [ "$role" = slave ]; then
                STATE=replica
            else
                STATE=other
            fi
            ;;
    esac
}

# Everything the decision needs, asked of every instance at once (one round trip, not
# seven): the local Sentinel's master, every Sentinel's `SENTINEL MASTER`, every peer's
# `INFO replication`, into GATHER_DIR; `wait` reaps every job.
GATHER_DIR=/tmp/crash-watch
gather() {
    local host i=0
    mkdir -p "$GATHER_DIR"
    rm -f "$GATHER_DIR"/*
    sentinel_cmd "$LOCAL" SENTINEL GET-MASTER-ADDR-BY-NAME "$MASTER_NAME" >"$GATHER_DIR/named" &
    for host in $(all_pods); do
        i=$((i + 1))
        sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" >"$GATHER_DIR/sentinel.$i" &
    done
    i=0
    for host in $(peers); do
        i=$((i + 1))
        redis_cmd "$host" INFO replication >"$GATHER_DIR/replica.$i" &
    done
    wait
}

# A peer replicating this pod whose link was up at most REPLICA_FRESH_SECONDS ago: one
# Sentinel can promote without losing what it acknowledged.
good_replica() {
    local file line host status io down
    for file in "$GATHER_DIR"/replica.*; do
        [ -f "$file" ] || continue
        host="" status="" io=999 down=999
        while IFS= read -r line; do
            case $line in
                master_host:*) host=${line#master_host:} ;;
                master_link_status:*) status=${line#master_link_status:} ;;
                master_last_io_seconds_ago:*) io=${line#master_last_io_seconds_ago:} ;;
                master_link_down_since_seconds:*) down=${line#master_link_down_since_seconds:} ;;
            esac
        done <<EOF
$(tr -d '\r' <"$file")
EOF
        [ "$host" = "$SELF" ] || continue
        case $status in
            up) [ "$io" -le "$REPLICA_FRESH_SECONDS" ] || continue ;;
            *) [ "$down" -le "$REPLICA_FRESH_SECONDS" ] || continue ;;
        esac
        return 0
    done
    return 1
}

# The local redis-server died while serving as master (REASON): ask this pod's Sentinel for
# a failover, only when every condition of docs/architecture.md §17 holds. Called once per
# crash; the caller disarms whatever the outcome.
fail_over_crashed_master() {
    local reason=$1 named reply file
    if [ -e "$STOPPING_MARKER" ]; then
        log "redis-server stopped during preStop: the hand-over is preStop's"
        return 1
    fi
    named=$(head -n 1 "$GATHER_DIR/named" | tr -d '\r')
    if [ "$named" != "$SELF" ]; then
        log "redis-server $reason, but the local Sentinel names '${named:-nobody}': no fast failover"
        return 1
    fi
    start_sentinel_tally
    for file in "$GATHER_DIR"/sentinel.*; do
        tally_sentinel_reply "$(tr -d '\r' <"$file")"
    done
    end_sentinel_tally
    if [ "$SENTINEL_MASTER" != "$SELF" ] || [ "$SENTINELS_AGREE" -lt "$MAJORITY" ]; then
        log "redis-server $reason, but only $SENTINELS_AGREE Sentinels name this pod" \
            "(a majority is $MAJORITY): no fast failover, Sentinel's down-after decides"
        return 1
    fi
    if [ "$FAILOVER_UNDER_WAY" != 0 ]; then
        log "redis-server $reason; a failover is under way already"
        return 1
    fi
    if ! good_replica; then
        log "redis-server $reason, but no replica was attached within" \
            "${REPLICA_FRESH_SECONDS}s: no fast failover, Sentinel's down-after decides"
        return 1
    fi
    reply=$(sentinel_cmd "$LOCAL" SENTINEL FAILOVER "$MASTER_NAME" | tr -d '\r')
    log "redis-server $reason while master; $SENTINELS_AGREE Sentinels name this pod," \
        "a replica was attached: SENTINEL FAILOVER $MASTER_NAME -> ${reply:-no answer}"
    [ "$reply" = OK ]
}

# The gathering started at a first refusal, if any: finish it (reap the job).
gathered=0
finish_gathering() {
    [ "$gathered" = 0 ] || wait
    gathered=0
}

# Armed once the local Redis answered as master; disarmed by anything but a master, a
# timeout or a refusal, by preStop's marker, and after each decision (one per crash).
armed=0
refused=0
while :; do
    if [ "$refused" -gt 0 ]; then
        sleep "$CONFIRM_INTERVAL" 2>/dev/null || sleep 1
    elif [ "$armed" = 1 ]; then
        sleep "$CHECK_INTERVAL" 2>/dev/null || sleep 1
    else
        sleep "$IDLE_INTERVAL"
    fi
    if [ -e "$STOPPING_MARKER" ]; then
        finish_gathering
        armed=0 refused=0
        continue
    fi
    local_state
    [ "$STATE" = refused ] || finish_gathering
    case $STATE in
        master)
            if [ "$armed" = 0 ]; then
                : >"$SERVED_MASTER_MARKER"
                armed=1
            fi
            refused=0
            ;;
        refused)
            [ "$armed" = 1 ] || continue
            refused=$((refused + 1))
            if [ "$gathered" = 0 ]; then
                gather &
                gathered=1
            fi
            [ "$refused" -ge "$REFUSED_TO_FIRE" ] || continue
            finish_gathering
            fail_over_crashed_master "refuses connections (${refused} checks in a row)"
            armed=0 refused=0
            ;;
        restarted)
            [ "$armed" = 1 ] || continue
            gather
            fail_over_crashed_master "was restarted (a new process answers)"
            armed=0 refused=0
            ;;
        replica)
            # Sentinel or preStop demoted it: nothing to watch until it is master again.
            armed=0 refused=0
            ;;
        *)
            # A timeout (a freeze, never a death) or an error keeps the watch armed but
            # breaks a run of refusals.
            refused=0
            ;;
    esac
done
