# Janus, the WebRTC media server, on loopback for the run and test commands. Sourced, not executed.
# Debian's `janus` package, installed with apt-get when missing and root. Janus runs with a
# private configuration folder (written here, from deploy/janus/): the HTTP and WebSocket
# transports on 127.0.0.1, both answering only requests that carry the admin key as api_secret,
# and the videoroom plugin, whose rooms only a holder of the admin key may create.
#
# janus_ensure_installed             installs it when missing (as root)
# janus_start DIR ADMIN_KEY [PORT]   writes DIR's configuration, starts Janus on PORT (default: a free
#                                    loopback port; a given one lets a test restart it in place),
#                                    waits until it answers, prints its API URL
#                                    (http://127.0.0.1:PORT/janus); its log and pid in DIR. The
#                                    WebSocket API gets a free port of its own the first time,
#                                    and keeps it when started again in the same DIR.
#                                    With JANUS_TURN_SERVER set (and JANUS_TURN_PORT, JANUS_TURN_USER,
#                                    JANUS_TURN_PWD; JANUS_TURN_TYPE, default udp), Janus gathers
#                                    relay candidates at that TURN server too
# janus_ws_url DIR                   prints the WebSocket API's URL (ws://127.0.0.1:WS_PORT)
# janus_stop DIR                     stops it and waits for it to exit
# janus_port DIR                     prints the port of the Janus started in DIR

janus_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$janus_lib_dir/postgres.sh" # pg_free_port
source "$janus_lib_dir/pid-file.sh"

janus_packages_present() {
    command -v janus >/dev/null 2>&1
}

janus_ensure_installed() {
    if janus_packages_present; then return 0; fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "Janus not found; as root the scripts install it, or: sudo apt-get install janus" >&2
        return 1
    fi
    echo "==> installing Debian's janus with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq janus; } >/dev/null || return 1
    janus_packages_present
}

janus_start() {
    local dir=$1 admin_key=$2 port=${3:-} pid url
    janus_ensure_installed || return 1
    mkdir -p "$dir/config"
    dir=$(cd "$dir" && pwd)
    [ -n "$port" ] || port=$(pg_free_port)
    local ws_port
    if [ -s "$dir/janus.ws_port" ]; then ws_port=$(<"$dir/janus.ws_port"); else ws_port=$(pg_free_port); fi
    [ "$ws_port" != "$port" ] || ws_port=$(pg_free_port)
    echo "$ws_port" >"$dir/janus.ws_port"
    local template text
    for template in "$janus_lib_dir/../../deploy/janus/"*.jcfg; do
        text=$(<"$template")
        text=${text//'${JANUS_HTTP_PORT}'/$port}
        text=${text//'${JANUS_WS_PORT}'/$ws_port}
        text=${text//'${JANUS_HTTP_IP}'/127.0.0.1}
        text=${text//'${JANUS_ADMIN_KEY}'/$admin_key}
        text=${text//'${JANUS_CONFIG_DIR}'/$dir/config}
        if [ -n "${JANUS_TURN_SERVER:-}" ]; then
            text=${text//'${JANUS_TURN_SERVER}'/$JANUS_TURN_SERVER}
            text=${text//'${JANUS_TURN_PORT}'/${JANUS_TURN_PORT:-3478}}
            text=${text//'${JANUS_TURN_TYPE}'/${JANUS_TURN_TYPE:-udp}}
            text=${text//'${JANUS_TURN_USER}'/${JANUS_TURN_USER:-}}
            text=${text//'${JANUS_TURN_PWD}'/${JANUS_TURN_PWD:-}}
            text=${text//$'\t#turn_'/$'\t'turn_}
        fi
        printf '%s\n' "$text" >"$dir/config/$(basename "$template")"
    done
    echo "$port" >"$dir/janus.port"
    janus --configs-folder "$dir/config" --config "$dir/config/janus.jcfg" >"$dir/janus.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/janus.pid"
    url="http://127.0.0.1:$port/janus"
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || { echo "janus exited:" >&2; tail -20 "$dir/janus.log" >&2; return 1; }
        if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/info", timeout=1)' "$url" 2>/dev/null; then
            echo "$url"
            return 0
        fi
        sleep 0.1
    done
    echo "janus did not answer at $url; its log: $dir/janus.log" >&2
    janus_stop "$dir"
    return 1
}

janus_port() { cat "$1/janus.port"; }
janus_ws_url() { echo "ws://127.0.0.1:$(cat "$1/janus.ws_port")"; }

janus_stop() {
    stop_pid_file "$1/janus.pid" TERM KILL
}
