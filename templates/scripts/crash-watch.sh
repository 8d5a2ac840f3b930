# crash-watch.sh: runs beside Sentinel in the sentinel container (sentinel-start.sh starts
# it). The crash fast path, docs/architecture.md §17: when this pod's redis-server, seen
# serving as master, is certainly dead (the pod's loopback refuses its port twice in a row,
# or a new process answers), and every safety condition holds, it asks its own Sentinel for
# `SENTINEL FAILOVER` at once instead of leaving Sentinel to wait down-after-milliseconds.
# A freeze (SIGSTOP, a long fork) never fires it: a stopped process still holds its socket,
# so a connect succeeds or times out, it is never refused, and its connections stay open.
# While the local Redis is a replica, each check also runs replica-align.sh's align_replica.
# shellcheck shell=dash
SCRIPT=crash-watch
# shellcheck source=common.sh
. /scripts/common.sh
# While the local Redis is a replica: "A lagging replica catches up from a sibling".
# shellcheck source=replica-align.sh
. /scripts/replica-align.sh

# While the local Redis is master, a SUBSCRIBE connection to it (one redis-cli process)
# wakes the watcher the moment it ends: the kernel closes a dead process's sockets at once, a
# frozen process keeps them open. Besides, the local port is checked every IDLE_INTERVAL
# (to notice that the Redis became master, or stopped being it; seconds, BusyBox and
# coreutils sleep take fractions). After a wake, two checks refused in a row,
# CONFIRM_INTERVAL apart, make a death. The first refusal starts gathering what the
# decision needs (in the background, reaped before anything else), so the second one
# decides at once.
CONFIRM_INTERVAL=0.02
IDLE_INTERVAL=1
REFUSED_TO_FIRE=2
# A replica is good when its link to this pod was up at most this many seconds ago.
REPLICA_FRESH_SECONDS=2
# The password the local Redis accepted last (either during a rotation).
WATCH_AUTH=$PASSWORD
# Worked out once, not at each crash: the peers (the set's size is the pod's env), the
# directory the replies go to (common.sh's CR strips the replies' carriage returns).
PEER_HOSTS=$(peers)
GATHER_DIR=/tmp/crash-watch
mkdir -p "$GATHER_DIR"
# The channel the wake-up connection listens on (nothing publishes there).
WAKE_CHANNEL=__crash-watch__
WATCH_PID=$$

# STATE: what the local Redis is right now: master; restarted (a new process: the safe replica of
# nothing every start begins as, or LOADING); refused (nothing listens: the process is
# gone); replica (of a real master); timeout (no answer within 1 s: frozen or busy); other
# (an error).
local_state() {
    local out role="" host="" port="" n=0 line
    # One process, no `tr`: redis-cli prints ROLE's array and its errors without CRs.
    if [ -n "$WATCH_AUTH" ]; then
        out=$(REDISCLI_AUTH=$WATCH_AUTH timeout 1 $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" ROLE 2>&1)
    else
        out=$(timeout 1 $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" ROLE 2>&1)
    fi
    while IFS= read -r line && [ "$n" -lt 3 ]; do
        n=$((n + 1))
        line=${line%"$CR"}
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

# Everything the decision needs, asked of every instance at once (one round trip), into
# GATHER_DIR: `SENTINEL MASTER` of this pod's own Sentinel (on the loopback: no name to
# resolve) and of every peer's, every peer's `INFO replication`; `wait` reaps every job.
# Five CLI processes and nothing else: on a loaded node each process costs tens of ms, and
# they are what stands between the crash and the request (docs/architecture.md §17).
gather() (
    local host i=0
    sentinel_cmd "$LOCAL" SENTINEL MASTER "$MASTER_NAME" >"$GATHER_DIR/sentinel.0" &
    for host in $PEER_HOSTS; do
        i=$((i + 1))
        sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" >"$GATHER_DIR/sentinel.$i" &
        redis_cmd "$host" INFO replication >"$GATHER_DIR/replica.$i" &
    done
    wait
)

# FILE_TEXT: the lines of the gathered FILE without their CRs, read by the shell itself.
read_gathered() {
    local line
    FILE_TEXT=""
    [ -f "$1" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        FILE_TEXT="$FILE_TEXT${line%"$CR"}
"
    done <"$1"
}

# A peer replicating this pod whose link was up at most REPLICA_FRESH_SECONDS ago: one
# Sentinel can promote without losing what it acknowledged.
good_replica() {
    local file line host status io down
    for file in "$GATHER_DIR"/replica.*; do
        [ -f "$file" ] || continue
        host="" status="" io=999 down=999
        read_gathered "$file"
        while IFS= read -r line; do
            case $line in
                master_host:*) host=${line#master_host:} ;;
                master_link_status:*) status=${line#master_link_status:} ;;
                master_last_io_seconds_ago:*) io=${line#master_last_io_seconds_ago:} ;;
                master_link_down_since_seconds:*) down=${line#master_link_down_since_seconds:} ;;
            esac
        done <<EOF
$FILE_TEXT
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
    local reason=$1 reply file
    if [ -e "$STOPPING_MARKER" ]; then
        log "redis-server stopped during preStop: the hand-over is preStop's"
        return 1
    fi
    # This pod's own Sentinel, the one asked. Its `SENTINEL MASTER` names the address
    # GET-MASTER-ADDR-BY-NAME would whenever no failover runs, which is checked below.
    read_gathered "$GATHER_DIR/sentinel.0"
    sentinel_view "$FILE_TEXT"
    if [ "$VIEW_IP" != "$SELF" ]; then
        log "redis-server $reason, but the local Sentinel names '${VIEW_IP:-nobody}': no fast failover"
        return 1
    fi
    start_sentinel_tally
    for file in "$GATHER_DIR"/sentinel.*; do
        read_gathered "$file"
        tally_sentinel_reply "$FILE_TEXT"
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
    reply=$(sentinel_cmd "$LOCAL" SENTINEL FAILOVER "$MASTER_NAME")
    reply=${reply%"$CR"}
    log "redis-server $reason while master; $SENTINELS_AGREE Sentinels name this pod," \
        "a replica was attached: SENTINEL FAILOVER $MASTER_NAME -> ${reply:-no answer}"
    [ "$reply" = OK ]
}

# The gathering started at a first refusal, if any: finish it (reap the job; a wake-up
# signal interrupts `wait`, hence the loop).
gathered=0
finish_gathering() {
    if [ "$gathered" = 1 ]; then
        while kill -0 "$gather_pid" 2>/dev/null; do
            wait "$gather_pid"
        done
    fi
    gathered=0
}

# The wake-up connection: its end (the server's death, a demotion by Sentinel, which closes
# pub/sub clients, or any other close) signals the watcher with USR1. Its subshell and
# redis-cli live as long as the connection; started again only after a regular check.
WOKEN=0
subscribed=0
trap 'WOKEN=1' USR1
subscribe() {
    WOKEN=0
    subscribed=1
    (
        if [ -n "$WATCH_AUTH" ]; then
            REDISCLI_AUTH=$WATCH_AUTH $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" \
                SUBSCRIBE "$WAKE_CHANNEL" >/dev/null 2>&1
        else
            $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" SUBSCRIBE "$WAKE_CHANNEL" >/dev/null 2>&1
        fi
        kill -USR1 "$WATCH_PID" 2>/dev/null
    ) &
}

# Sleep $1 seconds, or less when the wake-up connection ends meanwhile (the signal
# interrupts `wait`; the sleep is then stopped and reaped).
nap() {
    local pid
    [ "$WOKEN" = 0 ] || return 0
    sleep "$1" &
    pid=$!
    wait "$pid" 2>/dev/null && return 0
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# Armed once the local Redis answered as master; disarmed by anything but a master, a
# timeout or a refusal, by preStop's marker, and after each decision (one per crash).
armed=0
refused=0
while :; do
    woke=0
    if [ "$refused" -gt 0 ]; then
        sleep "$CONFIRM_INTERVAL" 2>/dev/null || sleep 1
    elif [ "$subscribed" = 1 ]; then
        nap "$IDLE_INTERVAL"
        if [ "$WOKEN" = 1 ]; then
            # The connection ended: look at once.
            subscribed=0 woke=1
        fi
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
            # Not again right after a wake with the server alive (a closed connection, not
            # a death): at most one new connection per IDLE_INTERVAL.
            [ "$subscribed" = 1 ] || [ "$woke" = 1 ] || subscribe
            ;;
        refused)
            [ "$armed" = 1 ] || continue
            refused=$((refused + 1))
            if [ "$gathered" = 0 ]; then
                gather &
                gather_pid=$!
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
            # Sentinel or preStop demoted it: no crash to watch until it is master again;
            # while its master is silent, it may catch up from a sibling (replica-align.sh).
            armed=0 refused=0
            align_replica
            ;;
        *)
            # A timeout (a freeze, never a death) or an error keeps the watch armed but
            # breaks a run of refusals.
            refused=0
            ;;
    esac
done
