# Private PostgreSQL clusters for the run and test commands. Sourced, not executed.
#
# pg_private_start DIR PORT   creates (once) and starts a cluster in DIR listening on 127.0.0.1:PORT,
#                             then exports DATABASE_URL. As root, the cluster runs as the `postgres`
#                             user, because PostgreSQL refuses to run as root.
#                             The cluster is tuned for tests (fsync off, no synchronous commit,
#                             no full-page writes, 300 connections). With PG_DURABLE=1 it keeps
#                             PostgreSQL's default settings instead (fsync on), as the benchmark
#                             needs; PG_MAX_CONNECTIONS then sets max_connections (default 100).
# pg_private_stop DIR         stops it.

pg_bindir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
    done
    return 1
}

pg_ensure_installed() {
    if pg_bindir >/dev/null; then return 0; fi
    echo "PostgreSQL server binaries not found; installing them with apt-get." >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "Run as root once, or: sudo apt-get install -y postgresql postgresql-client" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql postgresql-client >/dev/null
    pg_bindir >/dev/null
}

# Runs a PostgreSQL binary as the cluster's owner.
pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_private_start() {
    local dir=$1 port=$2 bin
    pg_ensure_installed || return 1
    bin=$(pg_bindir)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
        chown postgres "$dir"
        chmod 700 "$dir"
        # The postgres user must be able to reach the folder.
        local parent; parent=$(dirname "$(readlink -f "$dir")")
        while [ "$parent" != "/" ]; do chmod o+x "$parent" 2>/dev/null || true; parent=$(dirname "$parent"); done
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        pg_as_owner "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    local settings="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir"
    if [ "${PG_DURABLE:-0}" = 1 ]; then
        [ -z "${PG_MAX_CONNECTIONS:-}" ] || settings="$settings -c max_connections=$PG_MAX_CONNECTIONS"
    else
        settings="$settings -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    pg_as_owner "$bin/pg_ctl" --pgdata="$dir/data" --log="$dir/postgres.log" --wait --timeout=60 \
        -o "$settings" \
        start >/dev/null || { tail -20 "$dir/postgres.log" >&2; return 1; }
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc \
        "SELECT 1 FROM pg_database WHERE datname = 'breakout'" | grep -q 1 \
        || "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres breakout
    export DATABASE_URL="postgres://postgres@127.0.0.1:$port/breakout?sslmode=disable"
}

pg_private_stop() {
    local dir=$1 bin
    bin=$(pg_bindir) || return 0
    [ -f "$dir/data/postmaster.pid" ] || return 0
    pg_as_owner "$bin/pg_ctl" --pgdata="$dir/data" --mode=fast --wait stop >/dev/null 2>&1 || true
}
