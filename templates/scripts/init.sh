# init.sh: the init container. Prepares the PVC before Redis and Sentinel start: the
# writable config directory and Sentinel's config (see prepare_sentinel_conf).
# shellcheck shell=dash
SCRIPT=init
# shellcheck source=common.sh
. /scripts/common.sh

prepare_sentinel_conf
log "config directory ready: $CONF_DIR"
