# restore.sh: sourced by redis-start.sh before Redis starts. In restore mode
# (backup.restore: RESTORE_FROM_BACKUP=1, the backup claim at BACKUP_DIR) it brings a set
# whose every claim was lost back to the newest snapshot, and never touches one that still
# holds data anywhere: only pod 0, only on an empty volume with no role marker, and only when
# every peer answers and holds nothing, none is master, and no Sentinel knows a master other
# than this pod or any replica (their state lives on the claims: it was lost too). A peer
# that holds data wins, as the data rule says (docs/architecture.md §3); a peer that does
# not answer may hold data, so pod 0 waits for it, as it does without restore.
# docs/runbook.md, "Restoring from a backup".
# shellcheck shell=dash

# The newest snapshot on the backup claim ("" when none).
latest_snapshot() {
    local file newest=""
    for file in "$BACKUP_DIR"/dump-*.rdb; do
        [ -f "$file" ] && newest=$file
    done
    printf '%s\n' "$newest"
}

# Nobody holds data or a role: every peer answered empty, the Sentinels know no replica and
# name no master but this pod (the ConfigMap's first guess) or none.
set_is_empty() {
    every_peer_up && [ "$PEERS_EMPTY" = "$PEERS_UP" ] &&
        [ -z "$PEER_MASTER" ] && [ "$KNOWN_REPLICAS" = 0 ] &&
        { [ -z "$SENTINEL_MASTER" ] || [ "$SENTINEL_MASTER" = "$SELF" ]; }
}

# Nobody seen so far holds data or a role (some peers may not have answered yet).
set_may_be_empty() {
    [ "$BEST_PEER_OFFSET" = 0 ] && [ -z "$PEER_MASTER" ] && [ "$KNOWN_REPLICAS" = 0 ] &&
        { [ -z "$SENTINEL_MASTER" ] || [ "$SENTINEL_MASTER" = "$SELF" ]; }
}

restore_if_set_lost() {
    local snapshot waited=0
    [ "${RESTORE_FROM_BACKUP:-}" = 1 ] && first_boot || return 0
    # Sentinels that name another master, or know replicas, kept their state: the set was
    # not lost whole.
    ask_sentinels
    if { [ -n "$SENTINEL_MASTER" ] && [ "$SENTINEL_MASTER" != "$SELF" ]; } || [ "$KNOWN_REPLICAS" != 0 ]; then
        return 0
    fi
    # Pod 0 restores (the Sentinels' first guess when their state is gone); the others
    # replicate it once it has taken the master role.
    [ "$ORDINAL" = 0 ] || return 0
    snapshot=$(latest_snapshot)
    if [ -z "$snapshot" ]; then
        log "restore mode: no snapshot in $BACKUP_DIR, starting empty"
        return 0
    fi
    while :; do
        ask_sentinels
        scan_peers
        # Done waiting once every peer answered, or as soon as anyone knows data: then
        # there is nothing to restore, and Redis should start at once (its peers and the
        # Sentinels are waiting for it).
        if every_peer_up || ! set_may_be_empty; then
            break
        fi
        waited=$((waited + 1))
        [ $((waited % 15)) = 1 ] &&
            log "restore mode: this volume is empty; waiting for every peer to answer" \
                "($PEERS_UP of $((REPLICAS - 1))): one that does not may hold data"
        sleep 1
    done
    if ! set_is_empty; then
        log "restore mode: not restoring: a peer or a Sentinel knows data" \
            "(best peer offset $BEST_PEER_OFFSET, master '${PEER_MASTER:-${SENTINEL_MASTER:-none}}'," \
            "known replicas $KNOWN_REPLICAS)"
        return 0
    fi
    if ! "$CHECK_RDB" "$snapshot" >/dev/null 2>&1; then
        log "restore mode: $snapshot fails $CHECK_RDB: not restored, starting empty"
        return 0
    fi
    log "restore mode: every claim of the set was lost: loading $snapshot"
    cp "$snapshot" "$DATA_DIR/.restore.rdb" && mv "$DATA_DIR/.restore.rdb" "$DATA_DIR/dump.rdb"
}
