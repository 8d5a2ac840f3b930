# init.sh: the init container. Prepares the PVC before Redis and Sentinel start: the
# writable config directory and Sentinel's config (see prepare_sentinel_conf).
# shellcheck shell=dash
SCRIPT=init
# shellcheck source=common.sh
. /scripts/common.sh

# Before Redis can take a role: whether this volume ever held one (sentinel-start.sh,
# hold_while_master_away).
if [ -e "$ROLE_MARKER" ]; then
    rm -f "$NEW_VOLUME_MARKER"
else
    : >"$NEW_VOLUME_MARKER"
fi
prepare_sentinel_conf
log "config directory ready: $CONF_DIR"
