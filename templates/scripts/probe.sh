# probe.sh CHECK: the containers' probes.
#   redis-alive     Redis answers at all; LOADING counts as alive (a large RDB must not be
#                   killed halfway by the liveness probe).
#   redis-ready     Redis serves its role: master, or replica with its master link up. A
#                   replica whose link is down re-picks its masterauth (a password its
#                   master accepts: after a failover during a password rotation it may be
#                   one the new master does not know).
#   sentinel-alive  Sentinel answers PING.
SCRIPT=probe
. /scripts/common.sh

case $1 in
    redis-alive)
        case $(redis_cmd "$LOCAL" PING | tr -d '\r') in
            PONG | LOADING* | MASTERDOWN*) exit 0 ;;
        esac
        ;;
    redis-ready)
        replication=$(redis_cmd "$LOCAL" INFO replication | tr -d '\r')
        case $replication in
            *role:master*) exit 0 ;;
            *master_link_status:up*) exit 0 ;;
        esac
        case $replication in
            *role:slave*)
                host=$(printf '%s\n' "$replication" | sed -n 's/^master_host:\(.*\)$/\1/p')
                [ -z "$PASSWORD" ] || [ "$host" = "$SAFE_MASTER_HOST" ] || match_masterauth "$host"
                ;;
        esac
        ;;
    sentinel-alive)
        [ "$(sentinel_cmd "$LOCAL" PING | tr -d '\r')" = "PONG" ] && exit 0
        ;;
    *)
        log "unknown check '$1' (redis-alive, redis-ready, sentinel-alive)"
        ;;
esac
exit 1
