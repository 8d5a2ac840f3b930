# sentinel-start.sh: the sentinel container. Runs Sentinel on its writable config on the PVC
# (a ConfigMap file is read-only and Sentinel exits when it cannot rewrite it).
SCRIPT=sentinel-start
. /scripts/common.sh

# The ConfigMap's tunables win over the ones stored on the PVC, so a changed profile reaches
# Sentinels that already have state. SENTINEL SET persists them.
apply_configmap_tunables() {
    local i=0 w1 w2 w3 w4 w5 w6
    until [ "$(sentinel_cmd "$LOCAL" PING)" = "PONG" ]; do
        i=$((i + 1))
        [ "$i" -gt 60 ] && return 1
        sleep 1
    done
    while read -r w1 w2 w3 w4 w5 w6; do
        [ "$w1" = "sentinel" ] && [ "$w3" = "$MASTER_NAME" ] || continue
        case $w2 in
            monitor) sentinel_cmd "$LOCAL" SENTINEL SET "$MASTER_NAME" quorum "$w6" >/dev/null ;;
            down-after-milliseconds | failover-timeout | parallel-syncs)
                sentinel_cmd "$LOCAL" SENTINEL SET "$MASTER_NAME" "$w2" "$w4" >/dev/null ;;
        esac
    done </config/sentinel/sentinel.conf
}

# Sentinel 7.0 takes a newer config epoch from a peer's hello message before it resolves the
# new master's name, and keeps the epoch when that lookup fails: from then on it names the
# old master (hellos of the same epoch change nothing) until a later failover, which it may
# even start itself, since the old master answers as a replica. So: when this Sentinel names
# an instance that is not a master while a peer Sentinel with at least its epoch names one
# that is, for longer than hello messages take to arrive (every 2 s), monitor that one.
watch_master() {
    local stale=0 mine epoch host current
    while sleep 5; do
        sentinel_view "$LOCAL"
        mine=$VIEW_MASTER epoch=$VIEW_EPOCH current=""
        case $VIEW_FLAGS in *failover*) mine="" ;; esac
        if [ -n "$mine" ] && [ "$(role_of "$mine")" != master ]; then
            for host in $(peers); do
                sentinel_view "$host"
                if [ -n "$VIEW_MASTER" ] && [ "$VIEW_MASTER" != "$mine" ] &&
                    [ "$VIEW_EPOCH" -ge "$epoch" ] && [ "$(role_of "$VIEW_MASTER")" = master ]; then
                    current=$VIEW_MASTER
                    break
                fi
            done
        fi
        if [ -z "$current" ]; then
            stale=0
        elif [ "$stale" -lt 2 ]; then
            stale=$((stale + 1))
        else
            log "this Sentinel names $mine (epoch $epoch), which is not a master;" \
                "a Sentinel with epoch $VIEW_EPOCH names $current: monitoring $current"
            monitor "$current"
            stale=0
        fi
    done
}

# Re-point this Sentinel at HOST with the ConfigMap's settings (SENTINEL REMOVE + MONITOR
# is the documented way; epochs, other Sentinels and replicas are learnt again from hellos
# and INFO within seconds).
monitor() {
    local quorum
    quorum=$(sed -n "s/^sentinel monitor $MASTER_NAME [^ ]* [^ ]* \([0-9]*\)$/\1/p" \
        /config/sentinel/sentinel.conf)
    sentinel_cmd "$LOCAL" SENTINEL REMOVE "$MASTER_NAME" >/dev/null
    # A Sentinel that monitors nothing is worse than a stale one: retry until it monitors.
    until [ "$(sentinel_cmd "$LOCAL" SENTINEL MONITOR "$MASTER_NAME" "$1" "$REDIS_PORT" "$quorum" |
        tr -d '\r')" = OK ]; do
        sentinel_view "$LOCAL"
        [ -z "$VIEW_MASTER" ] || break
        sleep 1
    done
    if [ -n "${REDIS_PASSWORD:-}" ]; then
        # On stdin, not on a command line other processes can read.
        echo "SENTINEL SET $MASTER_NAME auth-pass $REDIS_PASSWORD" | sentinel_cmd "$LOCAL" >/dev/null
    fi
    apply_configmap_tunables
}

prepare_sentinel_conf
{
    apply_configmap_tunables
    watch_master
} &
# `redis-server --sentinel` is what the redis-sentinel name links to; not every package ships
# that link (Debian keeps it in a separate package).
exec redis-server "$CONF_DIR/sentinel.conf" --sentinel
