# common.sh: sourced by every script of the HA set. POSIX sh (dash, busybox ash), using only
# the engine's CLI and the base tools of every image (timeout, grep, sed, tr, head, date, sleep,
# mkfifo).
#
# Inputs, all from the pod env: POD_NAME, POD_NAMESPACE (downward API), SET_NAME,
# HEADLESS_SERVICE, CLUSTER_DOMAIN, REPLICAS, REDIS_PORT, SENTINEL_PORT, MASTER_NAME,
# SENTINEL_TILT_PERIOD_MS, SENTINEL_PING_PERIOD_MS,
# PRESTOP_TIMEOUT_SECONDS, ENGINE_SERVER, ENGINE_CLI and ENGINE_CHECK_RDB (the binaries;
# Redis's when unset), TLS_CA_CERT_FILE when TLS is on, and when auth is on
# REDIS_PASSWORD_FILE and REDIS_PREVIOUS_PASSWORD_FILE: paths into the auth Secret's volume
# (the password itself is never in the env; see load_passwords).

# The scripts run under dash (Debian images) or BusyBox ash (Alpine): POSIX sh plus
# `local`. The variables set here are read by the scripts that source this file.
# shellcheck shell=dash disable=SC2034

DATA_DIR=/data
CONF_DIR=$DATA_DIR/conf
# Written once this pod has taken its first role: from then on it is not a first boot.
ROLE_MARKER=$CONF_DIR/role-taken
# The replication ID of the last history this pod's Redis created as master (a promotion
# starts a new one), on the data volume: master-fence.sh writes it within a check of the
# promotion, redis-start.sh reads it (scan_self). docs/architecture.md §3, "Its own history
# decides".
MASTER_HISTORY_FILE=$CONF_DIR/master-replid
# The replication ID of the data this node holds when that is the history it created as
# master (scan_self; "" otherwise, and in the scripts that do not scan themselves).
MY_MASTER_REPLID=""
# In /tmp, the pod's emptyDir that its containers share and that lives as long as the pod.
# STOPPING_MARKER: preStop began (the redis container is being stopped on purpose); removed
# when the redis container starts again. SERVED_MASTER_MARKER: this pod's redis-server has
# served as master during the pod's life (crash-watch.sh writes it). docs/architecture.md §17.
STOPPING_MARKER=/tmp/redis-stopping
SERVED_MASTER_MARKER=/tmp/redis-served-master
# NEW_VOLUME_MARKER: the pod started on a volume that had never held a role (new, or
# emptied); the init container writes it, before Redis can take one. §21.
NEW_VOLUME_MARKER=/tmp/new-volume
# A replica of an address where nothing listens: accepts no writes and serves no sync
# (NOMASTERLINK), so an empty or stale node can neither be written to nor resync others.
SAFE_MASTER_HOST=127.0.0.1
SAFE_MASTER_PORT=1
# The port a replica that let go of a silent master points at, on that master's host
# (replica-detach.sh): nothing listens there, and the host it keeps still says whose stream
# it holds (scan_peers, replica-align.sh). docs/architecture.md §18, "Replicas let go of a
# silent master".
DETACHED_PORT=2
LOCAL=127.0.0.1
CR=$(printf '\r')
# Replica priority of a node that holds the master's data (Redis's default).
SERVING_PRIORITY=100
# How recently a Sentinel's PING to a master must have been answered for its link to count
# as live (sentinel_view): Sentinel pings every second (docs/architecture.md §3).
LIVE_LINK_MS=2000
ORDINAL=${POD_NAME##*-}
MAJORITY=$((REPLICAS / 2 + 1))

log() {
    echo "$(date -u '+%Y-%m-%dT%H:%M:%SZ') ${SCRIPT:-ha}: $*" >&2
}

pod_fqdn() {
    echo "$SET_NAME-$1.$HEADLESS_SERVICE.$POD_NAMESPACE.svc.$CLUSTER_DOMAIN"
}

SELF=$(pod_fqdn "$ORDINAL")

# Every pod's FQDN, this one's included.
all_pods() {
    i=0
    while [ "$i" -lt "$REPLICAS" ]; do
        pod_fqdn "$i"
        i=$((i + 1))
    done
}

peers() {
    all_pods | grep -v -x -F "$SELF"
}

# The engine's binaries (profile field `engine`): redis-server, redis-cli and
# redis-check-rdb, or valkey-server, valkey-cli and valkey-check-rdb. Sentinel is the server
# with --sentinel.
SERVER=${ENGINE_SERVER:-redis-server}
CLI=${ENGINE_CLI:-redis-cli}
CHECK_RDB=${ENGINE_CHECK_RDB:-redis-check-rdb}
# Every CLI call: with TLS_CA_CERT_FILE set (tls.enabled) it speaks TLS and verifies the
# server with that CA. Left unquoted where used, to split into words.
REDIS_CLI="$CLI"
if [ -n "${TLS_CA_CERT_FILE:-}" ]; then
    REDIS_CLI="$CLI --tls --cacert $TLS_CA_CERT_FILE"
fi

# The password (auth on), read from the Secret's volume at every script start, so a changed
# Secret reaches probes and hooks of running pods once the kubelet updates the files.
# PASSWORD: the current one. PREVIOUS_PASSWORD: the one being rotated out ("" when none):
# every Redis and Sentinel started while it is set accepts both, and every outgoing AUTH
# falls back to it. docs/architecture.md §11, "Rotating the password".
load_passwords() {
    PASSWORD=""
    PREVIOUS_PASSWORD=""
    [ -n "${REDIS_PASSWORD_FILE:-}" ] || return 0
    PASSWORD=$(cat "$REDIS_PASSWORD_FILE" 2>/dev/null)
    if [ -z "$PASSWORD" ]; then
        log "auth is on but the password file $REDIS_PASSWORD_FILE is missing or empty"
        exit 1
    fi
    if [ -n "${REDIS_PREVIOUS_PASSWORD_FILE:-}" ]; then
        PREVIOUS_PASSWORD=$(cat "$REDIS_PREVIOUS_PASSWORD_FILE" 2>/dev/null)
    fi
    [ "$PREVIOUS_PASSWORD" != "$PASSWORD" ] || PREVIOUS_PASSWORD=""
}
load_passwords

# redis-cli against PORT of HOST; the password travels in the environment, never on a
# command line. Redis and Sentinel require the same password (auth on). During a rotation a
# node not restarted yet knows only the previous password: refused (NOAUTH), the call is
# made again with it.
# A reply is read into a variable first, never by a command substitution inside a
# here-document: the shell opens the document's pipe before it expands the document, the
# substitution's processes inherit its write end, and BusyBox `timeout` leaves a watchdog
# (a grandchild that wakes once a second to see whether the command is gone) holding it, so
# the read that follows waits up to a second for the end of the document (measured: 1.0 s
# per read in BusyBox ash and dash with BusyBox `timeout`, 14 ms with coreutils `timeout`;
# docs/architecture.md §18, "A check costs milliseconds"). tests/repo/scripts_heredocs.rs
# refuses the pattern.
# Each call waits at most CLI_SECONDS (whole seconds: BusyBox `timeout` wakes once a
# second) for its reply; a caller racing a deadline sets it lower for its own questions.
CLI_SECONDS=2
cli_at() {
    local port=$1 host=$2
    shift 2
    if [ -z "$PASSWORD" ]; then
        timeout "$CLI_SECONDS" $REDIS_CLI -h "$host" -p "$port" "$@" 2>/dev/null
    elif [ -z "$PREVIOUS_PASSWORD" ]; then
        REDISCLI_AUTH=$PASSWORD timeout "$CLI_SECONDS" $REDIS_CLI -h "$host" -p "$port" "$@" 2>/dev/null
    else
        CLI_OUT=$(REDISCLI_AUTH=$PASSWORD timeout "$CLI_SECONDS" $REDIS_CLI -h "$host" -p "$port" "$@" 2>/dev/null)
        CLI_STATUS=$?
        case $CLI_OUT in
            NOAUTH* | WRONGPASS*)
                REDISCLI_AUTH=$PREVIOUS_PASSWORD timeout "$CLI_SECONDS" $REDIS_CLI -h "$host" -p "$port" "$@" 2>/dev/null
                return
                ;;
        esac
        [ -z "$CLI_OUT" ] || printf '%s\n' "$CLI_OUT"
        return $CLI_STATUS
    fi
}

# The password Redis at HOST accepts, the current one first; status 1 when it accepts
# neither, 2 when it does not answer.
accepted_password() {
    for AUTH_TRY in "$PASSWORD" "$PREVIOUS_PASSWORD"; do
        [ -n "$AUTH_TRY" ] || continue
        case $(REDISCLI_AUTH=$AUTH_TRY timeout 2 $REDIS_CLI -h "$1" -p "$REDIS_PORT" PING 2>/dev/null | tr -d '\r') in
            PONG | LOADING* | MASTERDOWN*)
                echo "$AUTH_TRY"
                return 0
                ;;
            NOAUTH* | WRONGPASS*) ;;
            *) return 2 ;;
        esac
    done
    return 1
}

# What this pod's servers were last told to present (masterauth, Sentinel's auth-pass and
# sentinel-pass): a SHA-256 per setting in /tmp (the pod's emptyDir, fresh at each start),
# never the password itself.
remember_secret() {
    (
        umask 077
        printf '%s' "$2" | sha256sum | cut -d ' ' -f 1 >"/tmp/$1.sha256"
    )
}

remembered_secret() {
    [ "$(cat "/tmp/$1.sha256" 2>/dev/null)" = "$(printf '%s' "$2" | sha256sum | cut -d ' ' -f 1)" ]
}

# Set NAME on this pod's server at PORT to VALUE with the command ARGS... (VALUE its last
# argument, sent through stdin: `redis-cli -x`, never on a command line), unless it holds
# VALUE already; either password may open the server during a rotation.
set_local_secret() {
    AUTH_NAME=$1 AUTH_PORT=$2 AUTH_VALUE=$3
    shift 3
    ! remembered_secret "$AUTH_NAME" "$AUTH_VALUE" || return 0
    for AUTH_TRY in "$PASSWORD" "$PREVIOUS_PASSWORD"; do
        [ -n "$AUTH_TRY" ] || continue
        if [ "$(printf '%s' "$AUTH_VALUE" | REDISCLI_AUTH=$AUTH_TRY timeout 2 $REDIS_CLI \
            -h "$LOCAL" -p "$AUTH_PORT" -x "$@" 2>/dev/null | tr -d '\r')" = OK ]; then
            remember_secret "$AUTH_NAME" "$AUTH_VALUE"
            return 0
        fi
    done
    return 1
}

# masterauth: what this node presents to its master HOST must be a password HOST accepts;
# during a rotation a master not restarted yet knows only the previous one (a replica with
# the new one would never sync, and its pod never gets Ready: the rollout stalls). Sent
# through stdin (`-x`), never on a command line.
match_masterauth() {
    [ -n "$PASSWORD" ] || return 0
    AUTH_MASTER=$(accepted_password "$1") || {
        [ $? = 2 ] || log "$1 accepts neither the password nor the previous one:" \
            "a rotation needs the old password as previous-password until every pod restarted"
        return 1
    }
    set_local_secret masterauth "$REDIS_PORT" "$AUTH_MASTER" CONFIG SET masterauth
}

# What a Sentinel presents, to Redis (auth-pass) and to the other Sentinels (sentinel-pass):
# the previous password while one is set (during a rotation's first rollout every node
# accepts it), else the password (during the second every node accepts it).
sentinel_password() {
    echo "${PREVIOUS_PASSWORD:-$PASSWORD}"
}

# A running Sentinel follows the Secret's files, which the kubelet updates: when the password
# it should present changed (the rotation's second step removed previous-password) and the
# master accepts the new one, it is set at run time, so the Sentinels not restarted yet keep
# reaching the nodes restarted with the new password only. Never to one the master refuses
# (a Secret changed without previous-password must not cut the running set off).
follow_sentinel_password() {
    [ -n "$PASSWORD" ] || return 0
    AUTH_OUT=$(sentinel_password)
    ! remembered_secret sentinel-auth-pass "$AUTH_OUT" || ! remembered_secret sentinel-pass "$AUTH_OUT" || return 0
    AUTH_HOST=$(sentinel_cmd "$LOCAL" SENTINEL GET-MASTER-ADDR-BY-NAME "$MASTER_NAME" | head -n 1 | tr -d '\r')
    [ -n "$AUTH_HOST" ] && [ "$(accepted_password "$AUTH_HOST")" = "$AUTH_OUT" ] || return 0
    set_local_secret sentinel-auth-pass "$SENTINEL_PORT" "$AUTH_OUT" SENTINEL SET "$MASTER_NAME" auth-pass &&
        set_local_secret sentinel-pass "$SENTINEL_PORT" "$AUTH_OUT" SENTINEL CONFIG SET sentinel-pass
}

redis_cmd() {
    local host=$1
    shift
    cli_at "$REDIS_PORT" "$host" "$@"
}

sentinel_cmd() {
    local host=$1
    shift
    cli_at "$SENTINEL_PORT" "$host" "$@"
}

# `REPLICAOF HOST PORT` on the local Redis, sent on the connection that read its `ROLE` just
# before, and only while that `ROLE` says it replicates FROM_HOST (on FROM_PORT, when not ""):
# prints the reply; nothing, status 1, when the role differed or the connection was closed.
# One connection is what makes it safe: a Sentinel promoting this replica, or pointing it at
# another master, sends its `SLAVEOF` in a transaction that ends with `CLIENT KILL TYPE normal`
# (Redis's sentinel.c, sentinelSendSlaveOf), which closes this connection too, so a
# `REPLICAOF` sent after that never runs, however long the script took between reading the
# role and acting. Read on a connection of its own, the role could be stale by then: a
# loaded pod took 580 ms between the two in a drill run (`restart-beside-stale-sentinel`,
# the leader's promotion undone by a replica following a sibling; the failover aborted).
# docs/architecture.md §18, "One connection for the role and the order".
replicaof_if_following() {
    local from_host=$1 from_port=$2 host=$3 port=$4 dir auth="" status=1
    if [ -n "$PASSWORD" ]; then
        if [ -z "$PREVIOUS_PASSWORD" ]; then
            auth=$PASSWORD
        else
            auth=$(accepted_password "$LOCAL") || return 1
        fi
    fi
    dir=$(mktemp -d /tmp/replicaof.XXXXXX) || return 1
    mkfifo "$dir/replies" || {
        rm -rf "$dir"
        return 1
    }
    # The reader below sends commands on redis-cli's stdin and reads its replies, one per
    # line (a reply to ROLE: one line per element, then the marker ECHO returns).
    (
        exec 3<"$dir/replies"
        printf 'ROLE\nECHO end-of-role\n'
        n=0 role="" role_host="" role_port=""
        while IFS= read -r line <&3; do
            line=${line%"$CR"}
            [ "$line" != end-of-role ] || break
            n=$((n + 1))
            case $n in
                1) role=$line ;;
                2) role_host=$line ;;
                3) role_port=$line ;;
            esac
        done
        [ "$role" = slave ] && [ "$role_host" = "$from_host" ] &&
            { [ -z "$from_port" ] || [ "$role_port" = "$from_port" ]; } || exit 1
        printf 'REPLICAOF %s %s\n' "$host" "$port"
        IFS= read -r line <&3 && printf '%s\n' "${line%"$CR"}" >"$dir/reply"
    ) | if [ -n "$auth" ]; then
        REDISCLI_AUTH=$auth timeout 2 $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" >"$dir/replies" 2>/dev/null
    else
        timeout 2 $REDIS_CLI -h "$LOCAL" -p "$REDIS_PORT" >"$dir/replies" 2>/dev/null
    fi
    if [ -s "$dir/reply" ]; then
        cat "$dir/reply"
        status=0
    fi
    rm -rf "$dir"
    return $status
}

# One `field:value` of INFO SECTION from HOST.
info_field() {
    reply_field "$(redis_cmd "$1" INFO "$2" | tr -d '\r')" "$3"
}

# The value of `FIELD:` in the INFO reply TEXT (CRs stripped).
reply_field() {
    printf '%s\n' "$1" | sed -n "s/^$2:\(.*\)\$/\1/p"
}

# Ask every Sentinel which master it follows and keep the answer with the highest config
# epoch (the latest failover wins). Sets SENTINEL_MASTER ("" when none knows one),
# SENTINELS_UP (Sentinels that answered), SENTINELS_AGREE (how many of them name
# SENTINEL_MASTER), KNOWN_REPLICAS (most replicas any of them knows),
# FAILOVER_UNDER_WAY (1 when any of them is failing the master over right now),
# SENTINELS_SEE_DOWN (how many of them mark SENTINEL_MASTER subjectively or objectively
# down), SENTINELS_LIVE (how many of them hold a live link to SENTINEL_MASTER: connected,
# not marking it down, a PING answered lately), SENTINEL_ODOWN (1 when one marks it
# objectively down) and TALLY_QUORUM (the lowest quorum any of them reports; the majority
# when none answered).
# Every Sentinel is asked at once: one round trip, however many of them time out (a missing
# pod, a name that does not resolve yet), not one after the other.
ask_sentinels() {
    local dir file
    # No directory for the replies (a full /tmp): counted as no Sentinel answering, never
    # as the previous call's tally.
    dir=$(mktemp -d /tmp/ask-sentinels.XXXXXX) || {
        start_sentinel_tally
        end_sentinel_tally
        return 1
    }
    # One argument per pod (FQDNs: no blanks, no glob characters).
    # shellcheck disable=SC2046
    ask_all "$dir" "$SENTINEL_PORT" $(all_pods) -- SENTINEL MASTER "$MASTER_NAME"
    start_sentinel_tally
    for file in "$dir"/*; do
        tally_sentinel_reply "$(tr -d '\r' <"$file")"
    done
    end_sentinel_tally
    rm -rf "$dir"
}

# ask_all DIR PORT HOST… -- ARGS…: ARGS sent to PORT of every HOST at once, the reply of the
# Nth host in DIR/(100 + N) (so a glob lists them in the hosts' order); returns once every
# one answered or timed out. In a subshell: it waits for its own jobs only.
ask_all() (
    dir=$1 port=$2
    shift 2
    hosts=""
    while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
        hosts="$hosts $1"
        shift
    done
    shift
    n=100
    for host in $hosts; do
        n=$((n + 1))
        cli_at "$port" "$host" "$@" >"$dir/$n" &
    done
    wait
)

# ask_sentinels in three steps, for callers that gather the replies some other way (all at
# once: crash-watch.sh): start, one `SENTINEL MASTER` reply (field/value lines; "" when that
# Sentinel did not answer) per Sentinel, end.
start_sentinel_tally() {
    SENTINEL_MASTER=""
    SENTINELS_UP=0
    SENTINELS_AGREE=0
    KNOWN_REPLICAS=0
    FAILOVER_UNDER_WAY=0
    TALLY_EPOCH=-1
    TALLY_NAMED=""
    TALLY_DOWN=""
    TALLY_LIVE=""
    TALLY_QUORUM=""
}

tally_sentinel_reply() {
    sentinel_view "$1"
    [ -n "$VIEW_IP" ] || return 0
    SENTINELS_UP=$((SENTINELS_UP + 1))
    TALLY_NAMED="$TALLY_NAMED $VIEW_IP"
    [ "$VIEW_DOWN" = 0 ] || TALLY_DOWN="$TALLY_DOWN $VIEW_IP:$VIEW_DOWN"
    [ "$VIEW_LIVE" = 0 ] || TALLY_LIVE="$TALLY_LIVE $VIEW_IP"
    if [ -z "$TALLY_QUORUM" ] || [ "$VIEW_QUORUM" -lt "$TALLY_QUORUM" ]; then
        TALLY_QUORUM=$VIEW_QUORUM
    fi
    [ "$VIEW_REPLICAS" -gt "$KNOWN_REPLICAS" ] && KNOWN_REPLICAS=$VIEW_REPLICAS
    [ "$VIEW_FAILING_OVER" = 0 ] || FAILOVER_UNDER_WAY=1
    if [ "$VIEW_EPOCH" -gt "$TALLY_EPOCH" ]; then
        TALLY_EPOCH=$VIEW_EPOCH
        SENTINEL_MASTER=$VIEW_IP
    fi
}

# One `SENTINEL MASTER` reply (field/value lines): VIEW_IP (the master it names, "" when
# no reply), VIEW_EPOCH, VIEW_REPLICAS, VIEW_QUORUM, VIEW_FAILING_OVER (1 while it fails it
# over), VIEW_DOWN (o when it marks that master objectively down, s subjectively, else 0)
# and VIEW_LIVE (1 when its link to that master is live: connected, not marked down, and a
# PING answered within LIVE_LINK_MS; a Sentinel that cannot resolve the master's name or
# reach it shows `disconnected` and will mark it down at down-after).
sentinel_view() {
    local key="" line flags="" ok_ping=""
    VIEW_IP=""
    VIEW_EPOCH=0
    VIEW_REPLICAS=0
    VIEW_FAILING_OVER=0
    VIEW_DOWN=0
    VIEW_LIVE=0
    VIEW_QUORUM=$MAJORITY
    while IFS= read -r line; do
        if [ -z "$key" ]; then
            key=$line
            continue
        fi
        case $key in
            ip) VIEW_IP=$line ;;
            config-epoch) VIEW_EPOCH=$line ;;
            num-slaves) VIEW_REPLICAS=$line ;;
            quorum) VIEW_QUORUM=$line ;;
            flags) flags=$line ;;
            last-ok-ping-reply) ok_ping=$line ;;
        esac
        key=""
    done <<EOF
$1
EOF
    case ,$flags, in
        *,failover_in_progress,*) VIEW_FAILING_OVER=1 ;;
    esac
    case ,$flags, in
        *,o_down,*) VIEW_DOWN=o ;;
        *,s_down,*) VIEW_DOWN=s ;;
    esac
    case ,$flags, in
        *,disconnected,* | *,s_down,* | *,o_down,* | ,,) ;;
        *)
            case $ok_ping in
                '' | *[!0-9]*) ;;
                *) [ "$ok_ping" -gt "$LIVE_LINK_MS" ] || VIEW_LIVE=1 ;;
            esac
            ;;
    esac
}

end_sentinel_tally() {
    local ip
    for ip in $TALLY_NAMED; do
        [ "$ip" = "$SENTINEL_MASTER" ] && SENTINELS_AGREE=$((SENTINELS_AGREE + 1))
    done
    SENTINELS_LIVE=0
    for ip in $TALLY_LIVE; do
        [ "$ip" = "$SENTINEL_MASTER" ] && SENTINELS_LIVE=$((SENTINELS_LIVE + 1))
    done
    SENTINELS_SEE_DOWN=0
    SENTINEL_ODOWN=0
    for ip in $TALLY_DOWN; do
        [ "${ip%:*}" = "$SENTINEL_MASTER" ] || continue
        SENTINELS_SEE_DOWN=$((SENTINELS_SEE_DOWN + 1))
        [ "${ip##*:}" = s ] || SENTINEL_ODOWN=1
    done
    : "${TALLY_QUORUM:=$MAJORITY}"
}

# What the Redis at HOST holds, from one INFO: NODE_ROLE ("" when it does not answer),
# NODE_OFFSET (its replication offset, which survives restarts from an RDB and failovers in
# Redis 7) and NODE_KEYS (keys in every database). A start from the append-only file
# (appendonly yes) restores no offset (measured on Redis 7.0.15: 0 beside the keys it
# loaded): a node holding keys at offset 0 counts as offset 1, so it is never taken for an
# empty one, and such nodes rank equal (the Sentinels' choice decides between them).
node_info() {
    node_info_of "$(redis_cmd "$1" INFO replication keyspace | tr -d '\r')"
}

# node_info from the text of an `INFO replication keyspace` reply (CRs stripped); also
# NODE_MASTER_HOST (the master a replica is configured to follow, "" for a master),
# NODE_LINK (a replica's master_link_status) and the node's history: NODE_REPLID,
# NODE_REPLID2 and NODE_SECOND_OFFSET (INFO's master_replid, master_replid2,
# second_repl_offset).
node_info_of() {
    NODE_ROLE=""
    NODE_OFFSET=0
    NODE_KEYS=0
    NODE_MASTER_HOST=""
    NODE_LINK=""
    NODE_REPLID=""
    NODE_REPLID2=""
    NODE_SECOND_OFFSET=0
    local line keys
    while IFS= read -r line; do
        case $line in
            role:*) NODE_ROLE=${line#role:} ;;
            master_host:*) NODE_MASTER_HOST=${line#master_host:} ;;
            master_link_status:*) NODE_LINK=${line#master_link_status:} ;;
            master_replid:*) NODE_REPLID=${line#master_replid:} ;;
            master_replid2:*) NODE_REPLID2=${line#master_replid2:} ;;
            second_repl_offset:*) NODE_SECOND_OFFSET=${line#second_repl_offset:} ;;
            master_repl_offset:*) NODE_OFFSET=${line#master_repl_offset:} ;;
            db*:keys=*)
                keys=${line#*:keys=}
                NODE_KEYS=$((NODE_KEYS + ${keys%%,*}))
                ;;
        esac
    done <<EOF
$1
EOF
    if [ "$NODE_OFFSET" = 0 ] && [ "$NODE_KEYS" -gt 0 ]; then
        NODE_OFFSET=1
    fi
}

# Whether the node node_info_of read last holds the whole stream REPLID up to OFFSET: on that
# history at OFFSET or beyond, or forked from it after OFFSET. Redis's own test for a partial
# resync (replication.c, masterTryPartialResynchronization), backlog aside: two nodes'
# offsets say nothing of each other's data unless their histories meet so (a deposed
# master's offset grows on its own history: each WAIT a client sends it appends a
# `REPLCONF GETACK *` to its backlog).
node_holds_stream() {
    { [ "$NODE_REPLID" = "$1" ] && [ "$NODE_OFFSET" -ge "$2" ]; } ||
        { [ "$NODE_REPLID2" = "$1" ] && [ "$NODE_SECOND_OFFSET" -gt "$2" ]; }
}

# Sets PEER_MASTER (a peer answering role master) with PEER_MASTER_OFFSET, PEERS_UP,
# PEERS_EMPTY (peers holding no data), BEST_PEER with BEST_PEER_OFFSET (the most
# replication stream any peer has; comparable across nodes since offsets survive failovers)
# and PEER_OFFSETS (`host=offset` of every peer that answered, blank-separated).
# When peers still replicate this pod (after a restart they reconnect to it, and resync
# from it the moment its own link is up), the one holding the most sets
# REPLICAS_HERE_OFFSET, only peers holding its whole stream count for BEST_PEER, and
# PEERS_OUTGROWN lists the others (their data would replace the replicas'); PEERS_HERE lists
# every peer configured to replicate this pod. When this node holds the history it created
# as master (MY_MASTER_REPLID, from scan_self, at MY_OFFSET), a peer counts for BEST_PEER
# and REPLICAS_HERE_OFFSET only if on that history (on_own_history): a peer on another is
# not a better copy by its offset, which grows on its own (a deposed master's, by the
# GETACKs its clients' WAITs append), and PEERS_OUTGROWN lists it too.
# docs/architecture.md §3, "Never through a node its replicas outgrew", "Never a replica
# of itself" and "Its own history decides".
scan_peers() {
    PEER_MASTER=""
    PEER_MASTER_OFFSET=0
    PEERS_UP=0
    PEERS_EMPTY=0
    BEST_PEER=""
    BEST_PEER_OFFSET=0
    PEER_OFFSETS=""
    REPLICAS_HERE_OFFSET=0
    PEERS_OUTGROWN=""
    PEERS_HERE=""
    local peer dir n=100 here_replid=""
    dir=$(mktemp -d /tmp/scan-peers.XXXXXX) || return 0
    # Every peer at once (ask_all): one round trip, however many time out. One
    # argument per pod (FQDNs: no blanks, no glob characters).
    # shellcheck disable=SC2046
    ask_all "$dir" "$REDIS_PORT" $(peers) -- INFO replication keyspace
    for peer in $(peers); do
        n=$((n + 1))
        node_info_of "$(tr -d '\r' <"$dir/$n")"
        [ "$NODE_ROLE" = slave ] && [ "$NODE_MASTER_HOST" = "$SELF" ] || continue
        PEERS_HERE="$PEERS_HERE $peer"
        if [ "$NODE_OFFSET" -gt "$REPLICAS_HERE_OFFSET" ] && on_own_history; then
            REPLICAS_HERE_OFFSET=$NODE_OFFSET
            here_replid=$NODE_REPLID
        fi
    done
    n=100
    for peer in $(peers); do
        n=$((n + 1))
        node_info_of "$(tr -d '\r' <"$dir/$n")"
        case $NODE_ROLE in
            master | slave) ;;
            *) continue ;;
        esac
        PEERS_UP=$((PEERS_UP + 1))
        PEER_OFFSETS="$PEER_OFFSETS $peer=$NODE_OFFSET"
        if [ "$NODE_ROLE" = master ]; then
            PEER_MASTER=$peer
            PEER_MASTER_OFFSET=$NODE_OFFSET
        elif [ "$NODE_OFFSET" = 0 ] && [ "$NODE_KEYS" = 0 ]; then
            PEERS_EMPTY=$((PEERS_EMPTY + 1))
        fi
        if ! on_own_history || { [ "$REPLICAS_HERE_OFFSET" -gt 0 ] &&
            ! node_holds_stream "$here_replid" "$REPLICAS_HERE_OFFSET"; }; then
            PEERS_OUTGROWN="$PEERS_OUTGROWN $peer"
        elif [ "$NODE_OFFSET" -gt "$BEST_PEER_OFFSET" ]; then
            BEST_PEER=$peer
            BEST_PEER_OFFSET=$NODE_OFFSET
        fi
    done
    rm -rf "$dir"
}

# Whether the node node_info_of read last is on this node's own history as master
# (MY_MASTER_REPLID at MY_OFFSET, scan_self): it holds that stream, or forked from it in a
# later failover (its second replication ID is that history's). True when that history is
# not known: offsets decide then. docs/architecture.md §3, "Its own history decides".
on_own_history() {
    [ -z "$MY_MASTER_REPLID" ] || [ "$NODE_REPLID2" = "$MY_MASTER_REPLID" ] ||
        node_holds_stream "$MY_MASTER_REPLID" "$MY_OFFSET"
}

# Whether WORD is one of the blank-separated words of LIST (scan_peers' PEERS_OUTGROWN and
# PEERS_HERE: hosts are FQDNs, no blanks).
listed() {
    case " $2 " in
        *" $1 "*) return 0 ;;
    esac
    return 1
}

# Whether peer HOST answered the last scan_peers (as a master or a replica).
peer_answered() {
    case " $PEER_OFFSETS " in
        *" $1="*) return 0 ;;
    esac
    return 1
}

# Every peer answered the last scan_peers (a peer that did not may hold what the others lack).
every_peer_up() {
    [ "$PEERS_UP" -ge $((REPLICAS - 1)) ]
}

# The replicas the Sentinel whose `SENTINEL REPLICAS` reply is TEXT (field/value lines)
# would choose from right now, as Sentinel 7 chooses (sentinel.c, sentinelSelectSlave;
# Redis Sentinel docs, "Replica selection and priority"): none that is down or disconnected
# or has replica-priority 0; then the lowest priority, then the largest replication offset.
# CHOICE: the replicas ranked first (ties: Sentinel takes the smallest run ID),
# blank-separated, "" when none; CHOICE_SURE=1 when each of them also passes Sentinel's
# timed checks with margin (a ping answered and an INFO read within 5 s, its master link
# down for less than 10 down-after periods), so that none can drop out and leave the
# choice to the next rank.
sentinel_choice_of() {
    local key="" line ip="" flags="" priority=0 offset=0 ping="" info="" linkdown=0 after=0
    local top_priority="" top_offset=0 sure=1
    CHOICE=""
    while IFS= read -r line; do
        if [ -z "$key" ]; then
            key=$line
            [ "$key" = name ] || continue
            # A record ends where the next begins (TEXT ends with a `name` line).
            if [ -n "$ip" ] && [ "$priority" != 0 ]; then
                case ,$flags, in
                    *,s_down,* | *,o_down,* | *,disconnected,*) ;;
                    *)
                        if [ -z "$top_priority" ] || [ "$priority" -lt "$top_priority" ] ||
                            { [ "$priority" = "$top_priority" ] && [ "$offset" -gt "$top_offset" ]; }; then
                            top_priority=$priority
                            top_offset=$offset
                            CHOICE=""
                            sure=1
                        fi
                        if [ "$priority" = "$top_priority" ] && [ "$offset" = "$top_offset" ]; then
                            CHOICE="$CHOICE $ip"
                            if [ -z "$ping" ] || [ "$ping" -gt 5000 ] || [ -z "$info" ] ||
                                [ "$info" -gt 5000 ] || [ "$linkdown" -gt $((after * 10)) ]; then
                                sure=0
                            fi
                        fi
                        ;;
                esac
            fi
            ip="" flags="" priority=0 offset=0 ping="" info="" linkdown=0 after=0
            continue
        fi
        case $key in
            ip) ip=$line ;;
            flags) flags=$line ;;
            slave-priority) priority=$line ;;
            slave-repl-offset) offset=$line ;;
            last-ok-ping-reply) ping=$line ;;
            info-refresh) info=$line ;;
            master-link-down-time) linkdown=$line ;;
            down-after-milliseconds) after=$line ;;
        esac
        key=""
    done <<EOF
$1
name
EOF
    CHOICE_SURE=$sure
}

# Ask the Sentinels on HOSTS..., one after the other, for a planned failover of this pod's
# master role; true once one accepted. A Sentinel is asked only while it names this pod and
# runs no failover itself: `SENTINEL FAILOVER` fails over whatever master that Sentinel
# names, without a leader vote. Asked after it learned of a first failover (a hello, every
# 2 s), it demotes the master just promoted, whose writes only the stopping pod may hold;
# asked during one, it promotes a replica of its own choosing in the same epoch as another
# Sentinel's. Measured on Redis 7.0.15: docs/architecture.md §6.
request_failover() {
    request_failover_if true "$@"
}

# request_failover_if CHECK HOSTS...: request_failover, asking only a Sentinel at HOST for
# which `CHECK HOST` succeeds, right after its view was checked.
request_failover_if() {
    local check=$1 host
    shift
    for host in "$@"; do
        sentinel_view "$(sentinel_cmd "$host" SENTINEL MASTER "$MASTER_NAME" | tr -d '\r')"
        if [ "$VIEW_IP" != "$SELF" ] || [ "$VIEW_FAILING_OVER" != 0 ] || ! "$check" "$host"; then
            continue
        fi
        if [ "$(sentinel_cmd "$host" SENTINEL FAILOVER "$MASTER_NAME" | tr -d '\r')" = "OK" ]; then
            log "Sentinel at $host accepted a failover of $MASTER_NAME"
            return 0
        fi
    done
    return 1
}

# Sentinel 7.0 writes `auth-pass` back unquoted when it rewrites its config, so a password
# with blanks, quotes or backslashes cannot survive its first rewrite: refuse it at start
# with a message, rather than run with a password Redis and Sentinel read differently.
check_password() {
    for AUTH_TRY in "$PASSWORD" "$PREVIOUS_PASSWORD"; do
        case $AUTH_TRY in
            *[[:space:]\"\'\\]*)
                log "a password in the Secret contains a blank, a quote or a backslash;" \
                    "Sentinel cannot store such a password: use letters, digits and punctuation"
                exit 1
                ;;
        esac
    done
}

# The master name and the hosts Sentinels name are data, never a sed or grep pattern:
# `grep -F -e` compares fixed strings, and the helper below compares exact strings (`case`
# with quoted patterns) and prints with printf.

# Stdin with the host of `sentinel monitor $MASTER_NAME <host> <port> <quorum>` set to HOST.
with_monitored_host() {
    local head="sentinel monitor $MASTER_NAME " line rest
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            "$head"*)
                rest=${line#"$head"}
                printf '%s\n' "$head$1 ${rest#* }"
                ;;
            *) printf '%s\n' "$line" ;;
        esac
    done
}

# The comment line that opens the ConfigMap's sentinel.extraConfig lines (sentinel.conf).
EXTRA_MARKER='# sentinel.extraConfig (the profile)'

# The directive of each of stdin's config lines, `|`-framed: its first word, or the first two
# for `sentinel <option>` (`|loglevel|`, `|sentinel deny-scripts-reconfig|`).
directive_keys() {
    local w1 w2
    while read -r w1 w2 _; do
        case $w1 in
            '' | '#'*) ;;
            sentinel) printf '|sentinel %s|\n' "$w2" ;;
            *) printf '|%s|\n' "$w1" ;;
        esac
    done
}

# The directive lines after EXTRA_MARKER in stdin.
extra_section() {
    local line on=""
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            "$EXTRA_MARKER"*) on=1 ;;
            '#'* | '') ;;
            *) [ -z "$on" ] || printf '%s\n' "$line" ;;
        esac
    done
}

# sentinel.extraConfig follows the ConfigMap, like the listener: the directives it names now,
# or named at the last start (sentinel-extra.applied), are dropped from the stored config
# (Sentinel may have rewritten their lines), then its lines are appended. A directive
# removed from the profile thus goes back to Sentinel's default. A subshell function:
# apply_sentinel_extra_config CONF CONFIGMAP_CONF.
apply_sentinel_extra_config() (
    conf=$1
    applied=$CONF_DIR/sentinel-extra.applied
    umask 077
    extra_section <"$2" >"$conf.extra"
    keys=$({
        directive_keys <"$conf.extra"
        [ ! -f "$applied" ] || directive_keys <"$applied"
    } | tr '\n' ' ')
    while IFS= read -r line || [ -n "$line" ]; do
        key=$(printf '%s\n' "$line" | directive_keys)
        if [ -n "$key" ]; then
            case " $keys" in *" $key "*) continue ;; esac
        fi
        printf '%s\n' "$line"
    done <"$conf" >"$conf.new"
    cat "$conf.extra" >>"$conf.new"
    mv "$conf.new" "$conf"
    mv "$conf.extra" "$applied"
)

# Give the pod a writable Sentinel config on the PVC. Sentinel keeps its state there
# (epochs, the current master, known replicas and Sentinels), so it is written only when
# it does not name a master yet: then it follows what the other Sentinels know, and falls
# back to the ConfigMap's first guess (ordinal 0) only when none answers.
prepare_sentinel_conf() {
    local conf=$CONF_DIR/sentinel.conf
    mkdir -p "$CONF_DIR"
    if ! grep -q -F -e "sentinel monitor $MASTER_NAME " "$conf" 2>/dev/null; then
        ask_sentinels
        {
            cat /config/sentinel/sentinel.conf
            echo "sentinel announce-ip $SELF"
        } >"$conf.new"
        if [ -n "$SENTINEL_MASTER" ]; then
            log "Sentinels follow $SENTINEL_MASTER: monitoring it"
            with_monitored_host "$SENTINEL_MASTER" <"$conf.new" >"$conf.host"
            mv "$conf.host" "$conf.new"
        else
            log "no Sentinel answers: monitoring the first guess from the ConfigMap"
        fi
        mv "$conf.new" "$conf"
    fi
    # The listener (port, tls-*) follows the ConfigMap too, so turning TLS on or off reaches
    # Sentinels that already have state.
    (
        umask 077
        grep -v -E '^(port|tls-[a-z-]+) ' "$conf" >"$conf.new"
        grep -E '^(port|tls-[a-z-]+) ' /config/sentinel/sentinel.conf >>"$conf.new"
    )
    mv "$conf.new" "$conf"
    apply_sentinel_extra_config "$conf" /config/sentinel/sentinel.conf
    # The password lines follow the Secret: a rotated value replaces the stored one, and with
    # auth off none is kept. With auth on the password opens the Redis nodes (auth-pass),
    # guards this Sentinel (requirepass: SENTINEL FAILOVER, SET and REMOVE need it) and is
    # what it presents to the other Sentinels (sentinel-pass). Sentinel's own rewrite turns
    # requirepass into a `user default` line, which would keep an old password: dropped too.
    # During a rotation (previous-password set) this Sentinel accepts both passwords and
    # presents the previous one, which every Redis and Sentinel of the set accepts until the
    # rotation's second rollout (docs/architecture.md §11, "Rotating the password").
    [ -z "$PASSWORD" ] || check_password
    (
        umask 077
        grep -v -F -e "sentinel auth-pass $MASTER_NAME " -e "sentinel sentinel-pass " \
            -e 'requirepass ' -e 'user default ' "$conf" >"$conf.new"
        if [ -n "$PREVIOUS_PASSWORD" ]; then
            echo "sentinel auth-pass $MASTER_NAME $PREVIOUS_PASSWORD" >>"$conf.new"
            echo "user default on >$PASSWORD >$PREVIOUS_PASSWORD ~* &* +@all" >>"$conf.new"
            echo "sentinel sentinel-pass $PREVIOUS_PASSWORD" >>"$conf.new"
        elif [ -n "$PASSWORD" ]; then
            echo "sentinel auth-pass $MASTER_NAME $PASSWORD" >>"$conf.new"
            echo "requirepass $PASSWORD" >>"$conf.new"
            echo "sentinel sentinel-pass $PASSWORD" >>"$conf.new"
        fi
    )
    mv "$conf.new" "$conf"
    if [ -n "$PASSWORD" ]; then
        remember_secret sentinel-auth-pass "$(sentinel_password)"
        remember_secret sentinel-pass "$(sentinel_password)"
    fi
}
