# probe.sh CHECK: the containers' probes.
#   redis-alive     Redis answers at all; LOADING counts as alive (a large RDB must not be
#                   killed halfway by the liveness probe).
#   redis-ready     Redis serves its role: master, or replica with its master link up.
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
        ;;
    sentinel-alive)
        [ "$(sentinel_cmd "$LOCAL" PING | tr -d '\r')" = "PONG" ] && exit 0
        ;;
    *)
        log "unknown check '$1' (redis-alive, redis-ready, sentinel-alive)"
        ;;
esac
exit 1
