#!/bin/sh
# Start (or reuse) a throwaway PostgreSQL server for the store tests and print its URL.
#
# Why: the PostgreSQL store tests need a real server, and CI must always run them. This starts
# one from the Debian `postgresql` package (apt-get install -y postgresql) in a temp directory,
# listening on 127.0.0.1 only, on a free port, with fsync off (the data is disposable). It runs
# the server as the `postgres` user when called as root, because initdb refuses root.
#
# Usage:  .ci/start-postgres.sh [URL_FILE]      # prints the URL; also writes it to URL_FILE
#         .ci/start-postgres.sh --stop          # stop the server and delete its directory
# Idempotent: a second call reuses the running server (or restarts the stopped one) and prints
# the same URL. Override the directory with OPTOUT_PG_DIR, the binaries with PG_BINDIR.
set -eu

DIR=${OPTOUT_PG_DIR:-${TMPDIR:-/tmp}/optout-bot-postgres}
DATA=$DIR/data
DB=optout_bot_test

find_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then echo "$PG_BINDIR"; return; fi
    # Debian keeps initdb/pg_ctl in /usr/lib/postgresql/<major>/bin, off PATH; take the newest.
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
    initdb=$(command -v initdb || true)
    if [ -n "$initdb" ]; then dirname "$initdb"; return; fi
    echo "start-postgres: no initdb found; run: apt-get install -y postgresql" >&2
    exit 1
}
BIN=$(find_bindir)

# Run a command as the server's owner: `postgres` when we are root, else ourselves.
if [ "$(id -u)" = 0 ]; then
    OWNER=postgres
    RUNUSER=$(PATH=$PATH:/usr/sbin:/sbin command -v runuser || true)
    if [ -n "$RUNUSER" ]; then
        as_owner() { "$RUNUSER" -u "$OWNER" -- "$@"; }
    else
        as_owner() { su -s /bin/sh "$OWNER" -c '"$0" "$@"' -- "$@"; }
    fi
else
    OWNER=$(id -un)
    as_owner() { "$@"; }
fi

# Running = postmaster.pid names a live process (works for root and the owner alike).
running() {
    [ -f "$DATA/postmaster.pid" ] && kill -0 "$(head -n 1 "$DATA/postmaster.pid")" 2>/dev/null
}

if [ "${1:-}" = "--stop" ]; then
    if running; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null; fi
    rm -rf "$DIR"
    exit 0
fi
URL_FILE=${1:-}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    port=54329  # no python3: first port nobody listens on, per /proc/net/tcp*
    while grep -qi ":$(printf '%04X' "$port") " /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
        port=$((port + 1))
    done
    echo "$port"
}

if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DIR"
    mkdir -p "$DATA"
    chmod 700 "$DIR"
    head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$DIR/password"
    free_port >"$DIR/port"
    chown -R "$OWNER" "$DIR"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --pwfile="$DIR/password" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
        >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
    cat >>"$DATA/postgresql.conf" <<EOF
# throwaway test server (written by .ci/start-postgres.sh)
listen_addresses = '127.0.0.1'
port = $(cat "$DIR/port")
unix_socket_directories = '$DIR'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
fi

PORT=$(cat "$DIR/port")
PASSWORD=$(cat "$DIR/password")

start_server() { as_owner "$BIN/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 30 start >/dev/null 2>&1; }
if ! running; then
    if ! start_server; then
        # only if the port was taken since initdb: pick another and retry once
        grep -q "could not bind\|already in use" "$DIR/server.log" 2>/dev/null \
            || { tail -n 20 "$DIR/server.log" >&2; exit 1; }
        : >"$DIR/server.log"
        free_port >"$DIR/port"
        PORT=$(cat "$DIR/port")
        sed -i "s/^port = .*/port = $PORT/" "$DATA/postgresql.conf"
        start_server || { tail -n 20 "$DIR/server.log" >&2; exit 1; }
    fi
fi

# Create the test database once (createdb fails harmlessly if it exists).
if ! PGPASSWORD=$PASSWORD "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    PGPASSWORD=$PASSWORD "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB"
fi

URL="postgresql://postgres:$PASSWORD@127.0.0.1:$PORT/$DB"
if [ -n "$URL_FILE" ]; then
    umask 077
    printf '%s\n' "$URL" >"$URL_FILE"
fi
printf '%s\n' "$URL"
