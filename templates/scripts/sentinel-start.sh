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

prepare_sentinel_conf
# In a subshell that exits at once: the job is the pod's pause's to reap, not a child the
# exec'd server would never wait for (a zombie for the container's life).
( apply_configmap_tunables & )
# `redis-server --sentinel` is what the redis-sentinel name links to; not every package ships
# that link (Debian keeps it in a separate package).
exec redis-server "$CONF_DIR/sentinel.conf" --sentinel
