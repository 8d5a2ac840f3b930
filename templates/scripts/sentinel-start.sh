# sentinel-start.sh: the sentinel container. Runs Sentinel on its writable config on the PVC
# (a ConfigMap file is read-only and Sentinel exits when it cannot rewrite it).
# shellcheck shell=dash
SCRIPT=sentinel-start
# shellcheck source=common.sh
. /scripts/common.sh

# With 4 or more pods, 3 or more Sentinels survive the loss of the master's pod. Its
# connections close at once, so every survivor's down-after ends within a few ms of the
# others'; each survivor after the second finds a quorum at its first question and starts an
# election in the same tick as the second: the candidates split the votes
# (-failover-abort-not-elected) and none tries again before 2 x failover-timeout. So each
# Sentinel's down-after is the profile's plus 250 ms per ordinal: the second survivor to see
# the master down is the only candidate, the later ones vote for it before their own
# down-after ends (docs/architecture.md, "One candidate per election"). With 3 pods the
# second survivor is the last one: nothing to stagger.
DOWN_AFTER_STAGGER_MS=250
staggered_down_after() {
    if [ "$REPLICAS" -ge 4 ]; then
        echo $(($1 + ORDINAL * DOWN_AFTER_STAGGER_MS))
    else
        echo "$1"
    fi
}

# The ConfigMap's tunables win over the ones stored on the PVC, so a changed profile reaches
# Sentinels that already have state. SENTINEL SET persists them.
apply_configmap_tunables() {
    local i=0 w1 w2 w3 w4 w6
    until [ "$(sentinel_cmd "$LOCAL" PING)" = "PONG" ]; do
        i=$((i + 1))
        [ "$i" -gt 60 ] && return 1
        sleep 1
    done
    while read -r w1 w2 w3 w4 _ w6; do
        [ "$w1" = "sentinel" ] && [ "$w3" = "$MASTER_NAME" ] || continue
        case $w2 in
            monitor) sentinel_cmd "$LOCAL" SENTINEL SET "$MASTER_NAME" quorum "$w6" >/dev/null ;;
            down-after-milliseconds)
                sentinel_cmd "$LOCAL" SENTINEL SET "$MASTER_NAME" "$w2" \
                    "$(staggered_down_after "$w4")" >/dev/null ;;
            failover-timeout | parallel-syncs)
                sentinel_cmd "$LOCAL" SENTINEL SET "$MASTER_NAME" "$w2" "$w4" >/dev/null ;;
        esac
    done </config/sentinel/sentinel.conf
    # TILT lasts one INFO period or one down-after, not Redis's 30 s, so a stall (a slow
    # cluster DNS, a frozen pod) holds failovers no longer than Sentinel needs to see the set
    # afresh (docs/architecture.md §19).
    sentinel_debug tilt-period "$SENTINEL_TILT_PERIOD_MS"
    # A PING every twentieth of down-after, not every second: each survivor's down-after
    # starts within that period of the fault, so the quorum's last one ends at most that
    # much after the first (docs/architecture.md §7, "The PING period").
    sentinel_debug ping-period "$SENTINEL_PING_PERIOD_MS"
}

# Sets one of Sentinel's timers that are not config directives (`SENTINEL DEBUG NAME MS`): at
# every start, since Sentinel keeps them in memory only. A refusal leaves the engine's default.
sentinel_debug() {
    if [ "$(sentinel_cmd "$LOCAL" SENTINEL DEBUG "$1" "$2" | tr -d '\r')" != "OK" ]; then
        log "SENTINEL DEBUG $1 $2 refused: the engine's default stays"
    fi
}

# The ordinal of HOST when it is the FQDN of a pod of this set; fails for any other host.
# Exact strings only (quoted patterns, parameter expansion): hosts are data, never patterns.
# (Called in a command substitution, a subshell: its variables stay there.)
ordinal_of_pod_fqdn() {
    fqdn_head="$SET_NAME-"
    fqdn_tail=".$HEADLESS_SERVICE.$POD_NAMESPACE.svc.$CLUSTER_DOMAIN"
    case $1 in
        "$fqdn_head"*"$fqdn_tail") ;;
        *) return 1 ;;
    esac
    fqdn_ordinal=${1#"$fqdn_head"}
    fqdn_ordinal=${fqdn_ordinal%"$fqdn_tail"}
    case $fqdn_ordinal in
        '' | *[!0-9]*) return 1 ;;
    esac
    echo "$fqdn_ordinal"
}

# Sentinel persists every Sentinel and replica it ever met (`known-sentinel`,
# `known-replica`) and counts every known Sentinel in the majority a failover leader needs:
# after a scale-down the departed pods' Sentinels are votes that never come
# (-failover-abort-not-elected). Before this Sentinel starts, forget the Sentinels and
# replicas of ordinals the set no longer has (≥ REPLICAS); the live ones stay known, so
# nothing needs re-discovering. The rollout restarts one pod at a time, so the Sentinels
# forget one at a time (docs/architecture.md, "Scaling"). A subshell function: its
# variables stay in it.
forget_departed_pods() (
    conf="$CONF_DIR/sentinel.conf"
    [ -f "$conf" ] || return 0
    (
        umask 077
        while IFS= read -r line || [ -n "$line" ]; do
            host=""
            case $line in
                "sentinel known-sentinel $MASTER_NAME "*)
                    host=${line#"sentinel known-sentinel $MASTER_NAME "} ;;
                "sentinel known-replica $MASTER_NAME "*)
                    host=${line#"sentinel known-replica $MASTER_NAME "} ;;
                "sentinel known-slave $MASTER_NAME "*)
                    host=${line#"sentinel known-slave $MASTER_NAME "} ;;
            esac
            host=${host%% *}
            if [ -n "$host" ] && n=$(ordinal_of_pod_fqdn "$host") && [ "$n" -ge "$REPLICAS" ]; then
                log "forgetting $host: the set has $REPLICAS pods now"
                continue
            fi
            printf '%s\n' "$line"
        done <"$conf" >"$conf.new"
    )
    mv "$conf.new" "$conf"
)

# A Sentinel whose stored config lists the master it monitors among its replicas
# (`known-replica` at the master's own address) converts that master into a replica of
# itself at its first INFO of that "replica", 10 s after it starts (`+convert-to-slave`;
# measured on Redis 7.0.15), and the set has no master until the Sentinels fail it over:
# 29 s in explore seed 29, schedule 15 (production, a Sentinel started late after a
# whole-set restart). Sentinel writes the line itself: its config rewrite saves a replica
# whose address equals the master's as the master, and two names that do not resolve (pods
# not running) are equal there. A master is never its own replica, so the line is dropped
# before Sentinel starts (docs/architecture.md §1).
forget_master_as_replica() {
    local conf="$CONF_DIR/sentinel.conf" head="sentinel monitor $MASTER_NAME " address="" line
    [ -f "$conf" ] || return 0
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
            "$head"*)
                address=${line#"$head"}
                address=${address% *}
                ;;
        esac
    done <"$conf"
    [ -n "$address" ] || return 0
    (
        umask 077
        while IFS= read -r line || [ -n "$line" ]; do
            case $line in
                "sentinel known-replica $MASTER_NAME $address" | "sentinel known-slave $MASTER_NAME $address")
                    log "forgetting ${address% *} as a replica: it is the master this Sentinel monitors"
                    continue
                    ;;
            esac
            printf '%s\n' "$line"
        done <"$conf" >"$conf.new"
    )
    mv "$conf.new" "$conf"
}

# A copy lost while the master is away (docs/architecture.md §21). With `WAIT 1` the last
# writes may rest on the master and on one replica only; when that replica's volume is lost
# (or the pod comes back on a new one) while the master's pod is away, the master is the
# only holder left. This pod's Sentinel would then be the vote that lets the Sentinels of a
# set of 3 promote the other replica, which lacks those writes; the master, when it
# returns, resyncs from it and they are gone (explorer seed 21, schedule 10; replay
# docs/replays/acker-wiped-master-late.json). So on a volume that had never held a role
# (NEW_VOLUME_MARKER), Sentinel does not start while the Sentinels name another pod as
# master, that pod's Redis does not answer and no pod serves as master, unless the set is
# fresh: it waits for the master (whose data this pod then syncs) or, at most
# LOST_COPY_HOLD_SECONDS, for a pod that may never return. Then it starts: a set that lost
# its master must fail over in the end. The startup probe gives the container 120 s; the
# hold stays well within it.
LOST_COPY_HOLD_SECONDS=60
# The master this pod's own stored config monitors (prepare_sentinel_conf wrote it from the
# Sentinels that answered then, else the ConfigMap's first guess).
own_monitored_master() {
    local w1 w2 w3 w4 rest
    while read -r w1 w2 w3 w4 rest; do
        if [ "$w1" = sentinel ] && [ "$w2" = monitor ] && [ "$w3" = "$MASTER_NAME" ]; then
            echo "$w4"
            return 0
        fi
    done <"$CONF_DIR/sentinel.conf"
}
hold_while_master_away() {
    local since waited=0 noted=""
    [ -e "$NEW_VOLUME_MARKER" ] || return 0
    since=$(date +%s)
    while :; do
        # Seconds, not rounds: a round waits up to 2 s for each pod that does not answer.
        waited=$(($(date +%s) - since))
        ask_sentinels
        # No other Sentinel answers: this pod's own config names the master (a pod started
        # alone on a fresh set, the first guess: not held when that is this pod).
        [ "$SENTINELS_UP" != 0 ] || SENTINEL_MASTER=$(own_monitored_master)
        scan_peers
        # A master serves: this pod syncs from it. The master the Sentinels name answers
        # (in any role): it is back, holding what it held, and takes its role or asks for a
        # failover itself (§3). The Sentinels name this pod: its own data is what was lost,
        # and the best replica must take over (§3, case 3). A fresh set: every peer answered
        # empty and no Sentinel knows a replica. This pod's Redis holds data: it synced from
        # a master since the volume was new (also when only this container restarted later).
        if [ -n "$PEER_MASTER" ] || [ "$SENTINEL_MASTER" = "$SELF" ] ||
            { [ -n "$SENTINEL_MASTER" ] && peer_answered "$SENTINEL_MASTER"; } ||
            { every_peer_up && [ "$BEST_PEER_OFFSET" = 0 ] && [ "$KNOWN_REPLICAS" = 0 ]; } ||
            { node_info "$LOCAL"; [ "$NODE_OFFSET" -gt 0 ]; }; then
            [ -z "$noted" ] || log "${PEER_MASTER:-$SENTINEL_MASTER} answers after ${waited} s: starting Sentinel"
            return 0
        fi
        if [ "$waited" -ge "$LOST_COPY_HOLD_SECONDS" ]; then
            log "no master for $LOST_COPY_HOLD_SECONDS s: starting Sentinel (a failover may" \
                "now promote a replica without the writes only ${SENTINEL_MASTER:-the master} holds)"
            return 0
        fi
        if [ -z "$noted" ] && [ -n "$SENTINEL_MASTER" ]; then
            noted=1
            log "this volume never held a role and $SENTINEL_MASTER (the master the Sentinels" \
                "name) is away: Sentinel waits for it, so that no failover promotes a replica" \
                "lacking writes only it may hold"
        fi
        sleep 1
    done
}

prepare_sentinel_conf
forget_departed_pods
forget_master_as_replica
hold_while_master_away
# In a subshell that exits at once: the job is the pod's pause's to reap, not a child the
# exec'd server would never wait for (a zombie for the container's life).
( apply_configmap_tunables & )
# The crash fast path (docs/architecture.md §17), detached the same way; it runs for the
# container's life.
( sh /scripts/crash-watch.sh & )
# The isolated-master fence (docs/architecture.md §18), the same way.
( sh /scripts/master-fence.sh & )
# Its replica side: a replica lets go of a master silent for a third of down-after (§18).
( sh /scripts/replica-detach.sh & )
# The re-pointing of this Sentinel when it missed a switch (docs/architecture.md §20), the
# same way.
( sh /scripts/sentinel-repoint.sh & )
# The server with --sentinel is what the redis-sentinel (valkey-sentinel) name links to; not
# every package ships that link (Debian keeps it in a separate package).
exec "$SERVER" "$CONF_DIR/sentinel.conf" --sentinel
