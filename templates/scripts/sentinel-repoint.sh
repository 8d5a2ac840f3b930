# sentinel-repoint.sh: runs beside Sentinel in the sentinel container (sentinel-start.sh starts
# it). A Sentinel that missed a switch, docs/architecture.md §20: when a peer announces a newer
# config, Sentinel (7.0, `sentinelProcessHelloMessage`) takes the new config epoch first and
# changes the master's address after; the change resolves the new master's name, and when that
# fails (a name the cluster DNS has not published yet, a cache still holding a denial) the
# Sentinel keeps the old address at the new epoch. Later announcements carry that same epoch
# and change nothing: it names a replica, or a gone pod, for good, and every client that asks
# it first is sent there (explorer seed 12, schedule 10). Nothing in Sentinel corrects it.
#
# Every CHECK_INTERVAL this watcher compares its Sentinel's view with the other Sentinels'.
# When, at two checks in a row, a majority of the set's Sentinels names one other master at
# exactly this Sentinel's config epoch (two different masters at one epoch: one of the two
# views never took the election's outcome) — or, at an epoch of 1 or more, the others name
# one other master only and the one this Sentinel names replicates it (two stale Sentinels
# of three outvote the good one: drill `forgotten-failover`) — no Sentinel is failing over,
# that master answers `ROLE` master and the one this Sentinel names does not, it re-points
# this Sentinel:
# `SENTINEL REMOVE`, then `SENTINEL MONITOR` of that master with this Sentinel's quorum, and
# every per-master setting it held set again. The peers' next announcement gives it their
# epoch back; it re-discovers the replicas and Sentinels from the master.
# shellcheck shell=dash
SCRIPT=sentinel-repoint
# shellcheck source=common.sh
. /scripts/common.sh

# Seconds between checks (one local and one remote `SENTINEL MASTER` per peer, at once):
# Sentinels announce their config every 2 s, so a view that still differs two checks later
# is not one on its way.
CHECK_INTERVAL=2
# After a re-point, the time its Sentinel takes to hear its peers and replicas again.
SETTLE_SECONDS=10
DIR=/tmp/sentinel-repoint
# The quorum and per-master settings kept from before a SENTINEL REMOVE (`option value…`
# lines), until MONITOR succeeded and they were set again: a watcher that finds its Sentinel
# monitoring nothing puts them back.
SAVED=$DIR/settings
PEER_HOSTS=$(peers)
mkdir -p "$DIR"

# Every Sentinel's `SENTINEL MASTER` at once (ask_all): this pod's reply in VIEWS/101, the
# peers' after it.
VIEWS=$DIR/views
LOCAL_VIEW=$VIEWS/101
mkdir -p "$VIEWS"
gather_views() {
    rm -f "$VIEWS"/*
    # One argument per peer (FQDNs: no blanks, no glob characters).
    # shellcheck disable=SC2086
    ask_all "$VIEWS" "$SENTINEL_PORT" "$LOCAL" $PEER_HOSTS -- SENTINEL MASTER "$MASTER_NAME"
}

# The first line of `ROLE` of the Redis at HOST ("" when it does not answer).
role_of() {
    redis_cmd "$1" ROLE | tr -d '\r' | head -n 1
}

# The master the Redis at HOST replicates ("" when it answers no replica's ROLE).
master_of() {
    redis_cmd "$1" ROLE | tr -d '\r' | sed -n '1{/^slave$/!q;};2p'
}

# The one master the other Sentinels name at this epoch besides NAMED (majority_master's
# NAMED_AT_EPOCH), "" when they name none or several.
other_master() {
    local ip other=""
    for ip in $NAMED_AT_EPOCH; do
        [ "$ip" != "$1" ] || continue
        [ -z "$other" ] || [ "$other" = "$ip" ] || {
            other=""
            break
        }
        other=$ip
    done
    OTHER_MASTER=$other
}

# MAJORITY_MASTER: the master a majority of the set's Sentinels names among the others, at
# the epoch EPOCH ("" when none; any epoch when EPOCH is empty). At most one master can have
# a majority. NAMED_AT_EPOCH: what each of the others names at EPOCH. Status 1 while a
# Sentinel fails over.
majority_master() {
    local file named="" ip other n
    MAJORITY_MASTER=""
    NAMED_AT_EPOCH=""
    for file in "$VIEWS"/*; do
        [ -f "$file" ] && [ "$file" != "$LOCAL_VIEW" ] || continue
        sentinel_view "$(tr -d '\r' <"$file")"
        [ -n "$VIEW_IP" ] || continue
        [ "$VIEW_FAILING_OVER" = 0 ] || return 1
        [ -z "$1" ] || [ "$VIEW_EPOCH" = "$1" ] || continue
        named="$named $VIEW_IP"
    done
    NAMED_AT_EPOCH=$named
    for ip in $named; do
        n=0
        for other in $named; do
            [ "$other" != "$ip" ] || n=$((n + 1))
        done
        if [ "$n" -ge "$MAJORITY" ]; then
            MAJORITY_MASTER=$ip
            break
        fi
    done
    return 0
}

# The per-master lines of this Sentinel's stored config that SENTINEL SET takes again, as
# `option value…` (the state lines and the password excluded: the password comes from the
# Secret). A value Sentinel wrote quoted (it holds blanks or quotes) is left out, with a log.
per_master_settings() {
    local w1 w2 w3 rest
    while read -r w1 w2 w3 rest; do
        [ "$w1" = sentinel ] && [ "$w3" = "$MASTER_NAME" ] || continue
        case $w2 in
            monitor | config-epoch | leader-epoch | known-replica | known-slave | known-sentinel | auth-pass | auth-user) ;;
            *)
                case $rest in
                    *'"'* | *"'"*) log "not carried over (a quoted value): sentinel $w2" ;;
                    *) printf '%s %s\n' "$w2" "$rest" ;;
                esac
                ;;
        esac
    done <"$CONF_DIR/sentinel.conf"
}

# Monitor HOST with the quorum and settings saved in SAVED; SAVED is removed once done.
monitor() {
    local host=$1 quorum option rest reply
    quorum=$(sed -n 's/^quorum //p' "$SAVED")
    reply=$(sentinel_cmd "$LOCAL" SENTINEL MONITOR "$MASTER_NAME" "$host" "$REDIS_PORT" "${quorum:-$MAJORITY}" | tr -d '\r')
    if [ "$reply" != OK ]; then
        log "SENTINEL MONITOR $MASTER_NAME $host: ${reply:-no answer} (tried again at the next check)"
        return 1
    fi
    while read -r option rest; do
        [ -n "$option" ] && [ "$option" != quorum ] || continue
        # shellcheck disable=SC2086 # a value of several words (rename-command) is several arguments
        reply=$(sentinel_cmd "$LOCAL" SENTINEL SET "$MASTER_NAME" "$option" $rest | tr -d '\r')
        [ "$reply" = OK ] || log "SENTINEL SET $MASTER_NAME $option: ${reply:-no answer}"
    done <"$SAVED"
    if [ -n "$PASSWORD" ]; then
        rm -f /tmp/sentinel-auth-pass.sha256
        set_local_secret sentinel-auth-pass "$SENTINEL_PORT" "$(sentinel_password)" \
            SENTINEL SET "$MASTER_NAME" auth-pass ||
            log "SENTINEL SET $MASTER_NAME auth-pass refused"
    fi
    rm -f "$SAVED"
}

# Re-point the local Sentinel from OLD (named at EPOCH) to NEW, with QUORUM (see the top of
# this file).
repoint() {
    local old=$1 new=$2 epoch=$3 quorum=$4 reply
    (
        umask 077
        {
            echo "quorum $quorum"
            per_master_settings
        } >"$SAVED.new"
    )
    mv "$SAVED.new" "$SAVED"
    log "this Sentinel names $old at epoch $epoch; $WHY; $new answers as master and $old" \
        "does not: re-pointing this Sentinel to $new"
    reply=$(sentinel_cmd "$LOCAL" SENTINEL REMOVE "$MASTER_NAME" | tr -d '\r')
    if [ "$reply" != OK ]; then
        log "SENTINEL REMOVE $MASTER_NAME: ${reply:-no answer}"
        rm -f "$SAVED"
        return 1
    fi
    monitor "$new"
}

seen=""
while :; do
    sleep "$CHECK_INTERVAL"
    gather_views
    local_reply=$(tr -d '\r' <"$LOCAL_VIEW")
    case $local_reply in
        *"No such master"*)
            # Monitoring nothing: a re-point whose MONITOR failed. The majority's master,
            # at any epoch, with the settings kept.
            [ -f "$SAVED" ] || continue
            majority_master "" || continue
            [ -n "$MAJORITY_MASTER" ] || continue
            monitor "$MAJORITY_MASTER"
            continue
            ;;
    esac
    sentinel_view "$local_reply"
    if [ -z "$VIEW_IP" ] || [ "$VIEW_FAILING_OVER" != 0 ]; then
        seen=""
        continue
    fi
    named=$VIEW_IP epoch=$VIEW_EPOCH quorum=$VIEW_QUORUM
    if ! majority_master "$epoch"; then
        seen=""
        continue
    fi
    # The master a majority of the others names at this epoch; or, since an epoch has one
    # election and one outcome, the only other master named at it (epoch 1 or more) when
    # the one this Sentinel names replicates it: two stale Sentinels of three, which
    # together outvote the good one (drill `forgotten-failover`).
    target="" WHY=""
    if [ -n "$MAJORITY_MASTER" ] && [ "$MAJORITY_MASTER" != "$named" ]; then
        target=$MAJORITY_MASTER
        WHY="a majority names $target at the same epoch"
    elif [ "$epoch" -gt 0 ] && other_master "$named" && [ -n "$OTHER_MASTER" ] &&
        [ "$(master_of "$named")" = "$OTHER_MASTER" ]; then
        target=$OTHER_MASTER
        WHY="the only other master named at that epoch is $target, and $named replicates it"
    fi
    if [ -z "$target" ] || [ "$(role_of "$target")" != master ] ||
        [ "$(role_of "$named")" = master ]; then
        seen=""
        continue
    fi
    if [ "$seen" != "$named $target $epoch" ]; then
        seen="$named $target $epoch"
        continue
    fi
    seen=""
    repoint "$named" "$target" "$epoch" "$quorum" && sleep "$SETTLE_SECONDS"
done
