#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite (issue 17, team mode).
#
#   tests/pg/cluster.sh start DIR   initdb + pg_ctl start in DIR (an empty or missing
#                                   folder); prints the connection URL on stdout
#   tests/pg/cluster.sh stop DIR    stops the cluster and removes DIR
#
# The cluster listens on 127.0.0.1 only, on a free port, with a random password (SCRAM),
# fsync off (it is thrown away). initdb refuses to run as root, so as root the cluster
# belongs to an unprivileged system user: `postgres` if it exists, otherwise `privdesk-ci`
# (created with `useradd -r`). Without initdb/pg_ctl it fails with the install line;
# .ci/run installs the distribution's package first.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

find_bin() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    for dir in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin; do
        if [ -x "$dir/$name" ]; then echo "$dir/$name"; return; fi
    done
    die "$name not found: install PostgreSQL (Debian/Ubuntu: apt-get install -y postgresql)"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Run a command as the cluster's owner (ourselves unless we are root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$OWNER" -- "$@"; else "$@"; fi
}

pick_owner() {
    if [ "$(id -u)" -ne 0 ]; then OWNER=$(id -un); return; fi
    if id postgres >/dev/null 2>&1; then OWNER=postgres; return; fi
    id privdesk-ci >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin privdesk-ci \
        || die "could not create the system user privdesk-ci"
    OWNER=privdesk-ci
}

start() {
    local dir=$1 initdb pg_ctl port password
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    pick_owner
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    chmod 700 "$dir"
    [ "$(id -u)" -ne 0 ] || chown "$OWNER" "$dir"
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    port=$(free_port)
    # The password file is read once by initdb and removed; the URL carries it to the tests.
    (umask 077; printf '%s\n' "$password" > "$dir/pwfile")
    [ "$(id -u)" -ne 0 ] || chown "$OWNER" "$dir/pwfile"
    as_owner "$initdb" -D "$dir/data" -U privdesk --pwfile="$dir/pwfile" \
        --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    rm -f "$dir/pwfile"
    local opts="-c listen_addresses=127.0.0.1 -p $port -k $dir"
    opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null \
        || { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    echo "$port" > "$dir/port"
    echo "postgresql://privdesk:$password@127.0.0.1:$port/postgres"
}

stop() {
    local dir=$1 pg_ctl
    [ -d "$dir/data" ] || { rm -rf "$dir"; return 0; }
    pg_ctl=$(find_bin pg_ctl)
    pick_owner
    as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
    stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
    *) die "usage: $0 start DIR | stop DIR" ;;
esac
