# A PostgreSQL cluster with failover on one machine, for `HA=1 scripts/run` and scripts/ha-test:
# etcd, Patroni members (deploy/patroni.yml) and HAProxy (deploy/haproxy.cfg), from Debian's
# packages, all on loopback. Sourced, not executed (after scripts/lib/postgres.sh).
#
# ha_ensure_installed        installs patroni, etcd-server and haproxy with apt-get when missing and root
# ha_start DIR [MEMBERS]     starts (creating once) etcd, MEMBERS Patroni members (default 2: pg1, pg2)
#                            and HAProxy, all kept in DIR; waits for a primary and a synchronous
#                            standby, creates the database breakout, and exports
#                              DATABASE_URL          HAProxy's primary port (what the nodes use)
#                              BREAKOUT_REPLICA_URL  HAProxy's replica port (operators' read-only queries)
#                            Ports are chosen once and kept in DIR/ports, so DIR can be started again.
# ha_stop DIR                stops HAProxy, the members (replicas first) and etcd
# ha_primary DIR             prints the name of the member that is primary now (Patroni's REST API)
# ha_kill_member DIR NAME    SIGKILL to the member's Patroni and to its postmaster (a crash)
# ha_start_member DIR NAME   starts the member's Patroni again (it rejoins, rewinding as needed)
# ha_patronictl DIR ARGS...  patronictl on this cluster (list, switchover --force, …)
#
# As root every process runs as the postgres user (PostgreSQL refuses root), started with setpriv so
# that the pid kept in DIR/pids is the process itself, and a SIGKILL to it is a real crash.

ha_ensure_installed() {
    if command -v patroni >/dev/null && command -v etcd >/dev/null && command -v haproxy >/dev/null; then return 0; fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "Patroni, etcd and HAProxy are needed: run as root once, or: sudo apt-get install -y patroni etcd-server haproxy" >&2
        return 1
    fi
    echo "installing Debian's patroni, etcd-server and haproxy with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq patroni etcd-server haproxy >/dev/null || return 1
    # The packages may start system services on their default ports; ours never use them.
    command -v patroni >/dev/null && command -v etcd >/dev/null && command -v haproxy >/dev/null
}

ha_repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

# Runs a command as the cluster's owner, in the background, and keeps its pid in DIR/pids/NAME.
ha_spawn() {
    local dir=$1 name=$2 log=$3; shift 3
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=postgres --regid=postgres --init-groups -- "$@" >>"$log" 2>&1 </dev/null &
    else
        "$@" >>"$log" 2>&1 </dev/null &
    fi
    echo $! >"$dir/pids/$name"
    # Out of the job table: a member killed on purpose is no news to the shell that started it.
    disown $!
}

# The ports of DIR: read from DIR/ports, or chosen now and written there.
ha_ports() {
    local dir=$1
    if [ ! -s "$dir/ports" ]; then
        {
            for name in ETCD_CLIENT ETCD_PEER HAPROXY_PRIMARY HAPROXY_REPLICA HAPROXY_STATS \
                PG1 PG2 PG3 API1 API2 API3; do
                echo "HA_PORT_$name=$(pg_free_port)"
            done
        } >"$dir/ports"
    fi
    # shellcheck disable=SC1091
    source "$dir/ports"
}

# Writes DIR/NAME.yml from deploy/patroni.yml: loopback addresses, this folder, trust on loopback
# (as the private PostgreSQL of scripts/run), and the PostgreSQL of this machine. Debian's python3
# has PyYAML (Patroni needs it).
ha_render_member() {
    local dir=$1 name=$2 pg_port=$3 api_port=$4 bin
    bin=$(pg_bindir) || return 1
    /usr/bin/python3 - "$(ha_repo_root)/deploy/patroni.yml" "$dir" "$name" "$pg_port" "$api_port" \
        "127.0.0.1:$HA_PORT_ETCD_CLIENT" "$bin" <<'PY'
import sys, yaml
source, folder, name, pg_port, api_port, etcd, bin_dir = sys.argv[1:]
with open(source) as f:
    config = yaml.safe_load(f)
config["name"] = name
config["restapi"].update(listen=f"127.0.0.1:{api_port}", connect_address=f"127.0.0.1:{api_port}")
config["etcd3"]["hosts"] = etcd
pg = config["postgresql"]
pg.update(listen=f"127.0.0.1:{pg_port}", connect_address=f"127.0.0.1:{pg_port}",
          data_dir=f"{folder}/{name}/data", bin_dir=bin_dir, pgpass=f"{folder}/{name}/pgpass")
pg["pg_hba"] = ["local all all trust", "host all all 127.0.0.1/32 trust",
                "host replication all 127.0.0.1/32 trust"]
pg["parameters"].update({"unix_socket_directories": f"{folder}/{name}",
                    "logging_collector": "on", "log_directory": f"{folder}/{name}/log"})
with open(f"{folder}/{name}.yml", "w") as f:
    f.write("# Rendered by scripts/lib/ha.sh from deploy/patroni.yml.\n")
    yaml.safe_dump(config, f, sort_keys=False)
PY
}

# Writes DIR/haproxy.cfg from deploy/haproxy.cfg: loopback ports, and only the members that exist.
ha_render_haproxy() {
    local dir=$1 members=$2 i script=""
    script+="s|bind \*:5000|bind 127.0.0.1:$HA_PORT_HAPROXY_PRIMARY|;"
    script+="s|bind \*:5001|bind 127.0.0.1:$HA_PORT_HAPROXY_REPLICA|;"
    script+="s|bind \*:7000|bind 127.0.0.1:$HA_PORT_HAPROXY_STATS|;"
    for i in 1 2 3; do
        if [ "$i" -le "$members" ]; then
            local pg_var="HA_PORT_PG$i" api_var="HA_PORT_API$i"
            script+="s|server pg$i pg$i:5432 check port 8008|server pg$i 127.0.0.1:${!pg_var} check port ${!api_var}|;"
        else
            script+="/server pg$i pg$i:5432/d;"
        fi
    done
    { echo "# Rendered by scripts/lib/ha.sh from deploy/haproxy.cfg."; sed -e "$script" "$(ha_repo_root)/deploy/haproxy.cfg"; } \
        >"$dir/haproxy.cfg"
}

# True when http://127.0.0.1:PORT/PATH answers 200 (Patroni's REST API).
ha_rest_ok() {
    python3 - "$1" "$2" <<'PY' 2>/dev/null
import sys, urllib.request
urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/{sys.argv[2]}", timeout=1)
PY
}

ha_members() { cat "$1/members" 2>/dev/null || echo 2; }

ha_member_index() { echo "${1#pg}"; }

ha_start_member() {
    local dir=$1 name=$2 i
    i=$(ha_member_index "$name")
    mkdir -p "$dir/$name"
    [ "$(id -u)" -ne 0 ] || chown postgres "$dir/$name"
    chmod 700 "$dir/$name"
    ha_spawn "$dir" "$name" "$dir/$name/patroni.log" patroni "$dir/$name.yml"
}

ha_start() {
    local dir=$1 members=${2:-2} bin i
    ha_ensure_installed || return 1
    pg_ensure_installed || return 1
    bin=$(pg_bindir)
    mkdir -p "$dir/pids" "$dir/etcd"
    dir=$(cd "$dir" && pwd)
    echo "$members" >"$dir/members"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" --shell /usr/sbin/nologin postgres
        chown postgres "$dir" "$dir/etcd"
        local parent; parent=$(dirname "$dir")
        while [ "$parent" != "/" ]; do chmod o+x "$parent" 2>/dev/null || true; parent=$(dirname "$parent"); done
    fi
    chmod 700 "$dir/etcd"
    ha_ports "$dir"

    ha_spawn "$dir" etcd "$dir/etcd.log" etcd --name breakout-ha --data-dir "$dir/etcd/data" \
        --listen-client-urls "http://127.0.0.1:$HA_PORT_ETCD_CLIENT" \
        --advertise-client-urls "http://127.0.0.1:$HA_PORT_ETCD_CLIENT" \
        --listen-peer-urls "http://127.0.0.1:$HA_PORT_ETCD_PEER" \
        --initial-advertise-peer-urls "http://127.0.0.1:$HA_PORT_ETCD_PEER" \
        --initial-cluster "breakout-ha=http://127.0.0.1:$HA_PORT_ETCD_PEER"
    local ok=""
    for _ in $(seq 100); do
        if ha_rest_ok "$HA_PORT_ETCD_CLIENT" health; then ok=1; break; fi
        sleep 0.1
    done
    [ -n "$ok" ] || { echo "etcd did not start:" >&2; tail -5 "$dir/etcd.log" >&2; return 1; }

    for i in $(seq "$members"); do
        local pg_var="HA_PORT_PG$i" api_var="HA_PORT_API$i"
        ha_render_member "$dir" "pg$i" "${!pg_var}" "${!api_var}" || return 1
    done
    ha_render_haproxy "$dir" "$members"
    haproxy -c -q -f "$dir/haproxy.cfg" || return 1
    ha_spawn "$dir" haproxy "$dir/haproxy.log" haproxy -db -f "$dir/haproxy.cfg"

    # pg1 first, so that a new cluster is made by one member (the others copy it); on a later
    # start whichever member was primary stays so, as Patroni decides.
    ha_start_member "$dir" pg1
    local url="postgres://postgres@127.0.0.1:$HA_PORT_HAPROXY_PRIMARY"
    ok=""
    for _ in $(seq 1200); do
        if [ "$("$bin/psql" "$url/postgres?connect_timeout=1" -qAtc 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ]; then ok=1; break; fi
        sleep 0.1
    done
    [ -n "$ok" ] || { echo "no primary behind HAProxy within 120 s; Patroni said:" >&2; tail -15 "$dir/pg1/patroni.log" >&2; return 1; }
    for i in $(seq 2 "$members"); do ha_start_member "$dir" "pg$i"; done
    "$bin/psql" "$url/postgres" -qAtc "SELECT 1 FROM pg_database WHERE datname = 'breakout'" | grep -q 1 \
        || "$bin/createdb" -h 127.0.0.1 -p "$HA_PORT_HAPROXY_PRIMARY" -U postgres breakout
    if [ "$members" -ge 2 ]; then
        # Synchronous mode: until a standby is synchronous, a failover could lose commits.
        ok=""
        for _ in $(seq 1800); do
            for i in $(seq "$members"); do
                local api_var="HA_PORT_API$i"
                if ha_rest_ok "${!api_var}" sync; then ok=1; break 2; fi
            done
            sleep 0.1
        done
        [ -n "$ok" ] || { echo "no synchronous standby within 180 s; Patroni said:" >&2; tail -15 "$dir/pg2/patroni.log" >&2; return 1; }
    fi
    export DATABASE_URL="$url/breakout?sslmode=disable"
    export BREAKOUT_REPLICA_URL="postgres://postgres@127.0.0.1:$HA_PORT_HAPROXY_REPLICA/breakout?sslmode=disable"
}

ha_primary() {
    local dir=$1 i
    ha_ports "$dir"
    for i in $(seq "$(ha_members "$dir")"); do
        local api_var="HA_PORT_API$i"
        if ha_rest_ok "${!api_var}" primary; then echo "pg$i"; return 0; fi
    done
    return 1
}

ha_kill_member() {
    local dir=$1 name=$2 postmaster=""
    [ -f "$dir/$name/data/postmaster.pid" ] && postmaster=$(head -1 "$dir/$name/data/postmaster.pid")
    [ ! -f "$dir/pids/$name" ] || kill -KILL "$(cat "$dir/pids/$name")" 2>/dev/null || true
    [ -z "$postmaster" ] || kill -KILL "$postmaster" 2>/dev/null || true
    rm -f "$dir/pids/$name"
}

# SIGTERM to the member's Patroni, which stops its PostgreSQL; a crash after 30 s.
ha_stop_member() {
    local dir=$1 name=$2 pid
    [ -f "$dir/pids/$name" ] || return 0
    pid=$(cat "$dir/pids/$name")
    kill -TERM "$pid" 2>/dev/null || { rm -f "$dir/pids/$name"; return 0; }
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    ha_kill_member "$dir" "$name"
}

ha_stop() {
    local dir=$1 primary i
    [ -d "$dir/pids" ] || return 0
    source "$(dirname "${BASH_SOURCE[0]}")/pid-file.sh"
    stop_pid_file "$dir/pids/haproxy" TERM KILL
    primary=$(ha_primary "$dir" 2>/dev/null || true)
    # Replicas first: a primary stopped first would hand over to them on its way out.
    for i in $(seq "$(ha_members "$dir")"); do
        [ "pg$i" = "$primary" ] || ha_stop_member "$dir" "pg$i"
    done
    [ -z "$primary" ] || ha_stop_member "$dir" "$primary"
    stop_pid_file "$dir/pids/etcd" TERM KILL
}

ha_patronictl() {
    local dir=$1; shift
    patronictl -c "$dir/pg1.yml" "$@"
}
