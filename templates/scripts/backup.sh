# backup.sh: the backup CronJob's container. Takes an RDB snapshot from a replica the
# Sentinels know (never the master: its fork and the stream would compete with the writes
# the clients wait for), verifies it with the engine's RDB checker (CHECK_RDB:
# redis-check-rdb or valkey-check-rdb), writes it to the backup claim under a timestamped
# name (a partial file, then a rename: a reader never sees half a snapshot), and deletes all
# but the newest BACKUP_RETENTION snapshots.
# Inputs: the pods' env (common.sh), BACKUP_DIR (the claim) and BACKUP_RETENTION.
# docs/runbook.md, "Backups".
# shellcheck shell=dash
SCRIPT=backup
# shellcheck source=common.sh
. /scripts/common.sh

BACKUP_DIR=${BACKUP_DIR:-/backup}
RETENTION=${BACKUP_RETENTION:-8}
# The longest a snapshot may take to stream (the Job's activeDeadlineSeconds is 3600).
RDB_TIMEOUT_SECONDS=1800

# The `ip` of every replica a Sentinel lists for the master, one a line.
sentinel_replicas() {
    local host key="" line
    for host in $(all_pods); do
        key=""
        sentinel_cmd "$host" SENTINEL REPLICAS "$MASTER_NAME" | tr -d '\r' |
            while IFS= read -r line; do
                if [ "$key" = ip ]; then
                    printf '%s\n' "$line"
                fi
                key=$line
            done
    done | sort -u
}

# A replica the Sentinels know, not the master they name, whose link to that master is up:
# sets REPLICA. The one with the largest replication offset (the freshest copy).
pick_replica() {
    local host best=-1
    REPLICA=""
    ask_sentinels
    if [ -z "$SENTINEL_MASTER" ]; then
        log "no Sentinel answers: no master, so no replica, is known"
        return 1
    fi
    for host in $(sentinel_replicas); do
        [ "$host" != "$SENTINEL_MASTER" ] || continue
        node_info "$host"
        [ "$NODE_ROLE" = slave ] || continue
        [ "$(info_field "$host" replication master_link_status)" = up ] || continue
        [ "$(info_field "$host" replication master_host)" = "$SENTINEL_MASTER" ] || continue
        if [ "$NODE_OFFSET" -gt "$best" ]; then
            best=$NODE_OFFSET
            REPLICA=$host
        fi
    done
    if [ -z "$REPLICA" ]; then
        log "the Sentinels ($SENTINELS_UP answering) name $SENTINEL_MASTER but no replica in sync:" \
            "no snapshot taken (the master is never used)"
        return 1
    fi
}

# redis-cli --rdb FILE from HOST, with the password HOST accepts (through the environment,
# never on the command line).
fetch_rdb() {
    local auth
    if [ -z "$PASSWORD" ]; then
        timeout "$RDB_TIMEOUT_SECONDS" $REDIS_CLI -h "$1" -p "$REDIS_PORT" --rdb "$2" >&2
        return
    fi
    auth=$(accepted_password "$1") || return 1
    REDISCLI_AUTH=$auth timeout "$RDB_TIMEOUT_SECONDS" $REDIS_CLI -h "$1" -p "$REDIS_PORT" \
        --rdb "$2" >&2
}

# Deletes every snapshot but the newest RETENTION (their names sort by time).
prune() {
    local file count=0 total=0
    for file in "$BACKUP_DIR"/dump-*.rdb; do
        [ -f "$file" ] && total=$((total + 1))
    done
    for file in "$BACKUP_DIR"/dump-*.rdb; do
        [ -f "$file" ] || continue
        count=$((count + 1))
        if [ "$count" -le $((total - RETENTION)) ]; then
            rm -f "$file" && log "pruned $file"
        fi
    done
}

case $RETENTION in
    '' | *[!0-9]* | 0)
        log "BACKUP_RETENTION must be a count of at least 1, not '$RETENTION'"
        exit 1
        ;;
esac
mkdir -p "$BACKUP_DIR" || exit 1
# A partial file of a run that was killed (concurrencyPolicy Forbid: no run is under way).
rm -f "$BACKUP_DIR"/.partial-*
pick_replica || exit 1
STAMP=$(date -u '+%Y%m%dT%H%M%SZ')
PARTIAL=$BACKUP_DIR/.partial-$STAMP.rdb
FINAL=$BACKUP_DIR/dump-$STAMP.rdb
log "taking a snapshot from replica $REPLICA (master: $SENTINEL_MASTER)"
if ! fetch_rdb "$REPLICA" "$PARTIAL"; then
    log "streaming an RDB from $REPLICA failed: no snapshot written"
    rm -f "$PARTIAL"
    exit 1
fi
if ! "$CHECK_RDB" "$PARTIAL" >&2; then
    log "$CHECK_RDB refused the snapshot from $REPLICA: deleted, not kept"
    rm -f "$PARTIAL"
    exit 1
fi
sync
mv "$PARTIAL" "$FINAL" || exit 1
log "snapshot $FINAL written ($(wc -c <"$FINAL") bytes), verified"
prune
