# probe.sh CHECK: the containers' probes.
#   redis-alive     Redis answers at all; LOADING counts as alive (a large RDB must not be
#                   killed halfway by the liveness probe).
#   redis-ready     Redis serves its role: master, or replica with its master link up. A
#                   replica re-picks its masterauth (a password its master accepts, the
#                   current one first) when its link is down (after a failover during a
#                   password rotation it may be one the new master does not know) or when it
#                   does not present the current password.
#   sentinel-alive  Sentinel answers PING. It then follows a changed Secret: the password it
#                   presents to Redis and to the other Sentinels (follow_sentinel_password).
# shellcheck shell=dash
SCRIPT=probe
# shellcheck source=common.sh
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
            *role:slave*)
                host=$(reply_field "$replication" master_host)
                if [ -n "$PASSWORD" ] && [ "$host" != "$SAFE_MASTER_HOST" ]; then
                    case $replication in
                        *master_link_status:up*)
                            remembered_secret masterauth "$PASSWORD" || match_masterauth "$host"
                            ;;
                        *) match_masterauth "$host" ;;
                    esac
                fi
                ;;
        esac
        case $replication in
            *role:master*) exit 0 ;;
            *master_link_status:up*) exit 0 ;;
        esac
        ;;
    sentinel-alive)
        if [ "$(sentinel_cmd "$LOCAL" PING | tr -d '\r')" = "PONG" ]; then
            follow_sentinel_password
            exit 0
        fi
        ;;
    *)
        log "unknown check '$1' (redis-alive, redis-ready, sentinel-alive)"
        ;;
esac
exit 1
