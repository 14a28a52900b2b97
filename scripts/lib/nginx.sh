# nginx in front of local nodes, for the run and test commands (and the test suite). Sourced, not
# executed. The balancing configuration is deploy/nginx-breakout.conf.template, the same file that
# docker-compose.yml and a Debian install use; this only fills in its placeholders and wraps it in
# a private main configuration (pid, logs and temp folders in one folder, not the system's).
#
# nginx_bin                         prints the nginx executable (NGINX_BIN, PATH, /usr/sbin), or fails
# nginx_ensure_installed            installs Debian's nginx with apt-get when missing and root
# nginx_render DIR LISTEN PORT...   writes DIR/nginx.conf and DIR/breakout.conf for nodes on
#                                   127.0.0.1:PORT...; nginx will listen on LISTEN; the
#                                   limits per address from BREAKOUT_JOINS_PER_SECOND (20),
#                                   BREAKOUT_JOIN_BURST (300), BREAKOUT_SIGNINS_PER_SECOND (5),
#                                   BREAKOUT_SIGNIN_BURST (100), BREAKOUT_STREAMS_PER_ADDRESS (1000)
# nginx_start DIR                   starts nginx in the background (its pid in DIR/nginx.pid)
# nginx_stop DIR                    stops it and waits for it to exit

source "$(dirname "${BASH_SOURCE[0]}")/pid-file.sh"

nginx_repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }

nginx_bin() {
    local candidate
    for candidate in "${NGINX_BIN:-}" "$(command -v nginx 2>/dev/null)" /usr/sbin/nginx; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
    done
    return 1
}

nginx_ensure_installed() {
    if nginx_bin >/dev/null; then return 0; fi
    if [ "$(id -u)" -ne 0 ]; then return 1; fi
    echo "nginx not found; installing Debian's nginx with apt-get." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq nginx >/dev/null || return 1
    # The package may start a system nginx on port 80; ours never uses it.
    nginx_bin >/dev/null
}

nginx_render() {
    local dir=$1 listen=$2; shift 2
    local template servers="" port
    mkdir -p "$dir/temp"
    dir=$(cd "$dir" && pwd)
    for port in "$@"; do
        servers+="server 127.0.0.1:$port ${NGINX_SERVER_PARAMETERS:-max_fails=1 fail_timeout=2s}; "
    done
    template=$(<"$(nginx_repo_root)/deploy/nginx-breakout.conf.template")
    template=${template//'${BREAKOUT_LISTEN}'/$listen}
    template=${template//'${BREAKOUT_UPSTREAM_SERVERS}'/$servers}
    template=${template//'${BREAKOUT_ACCESS_LOG}'/$dir/access.log}
    # The limits per client address: the environment's values, or the documented defaults.
    template=${template//'${BREAKOUT_JOINS_PER_SECOND}'/${BREAKOUT_JOINS_PER_SECOND:-20}}
    template=${template//'${BREAKOUT_JOIN_BURST}'/${BREAKOUT_JOIN_BURST:-300}}
    template=${template//'${BREAKOUT_SIGNINS_PER_SECOND}'/${BREAKOUT_SIGNINS_PER_SECOND:-5}}
    template=${template//'${BREAKOUT_SIGNIN_BURST}'/${BREAKOUT_SIGNIN_BURST:-100}}
    template=${template//'${BREAKOUT_STREAMS_PER_ADDRESS}'/${BREAKOUT_STREAMS_PER_ADDRESS:-1000}}
    printf '%s\n' "$template" >"$dir/breakout.conf"
    # As root, the workers run as nobody: they must reach the temp folders.
    local user_line=""
    if [ "$(id -u)" -eq 0 ]; then
        user_line="user nobody nogroup;"
        chmod 755 "$dir" "$dir/temp"
        local parent; parent=$(dirname "$dir")
        while [ "$parent" != "/" ]; do chmod o+x "$parent" 2>/dev/null || true; parent=$(dirname "$parent"); done
    fi
    cat >"$dir/nginx.conf" <<CONF
# Private nginx for local breakout nodes, written by scripts/lib/nginx.sh. The balancing is in
# breakout.conf, rendered from deploy/nginx-breakout.conf.template.
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    include $dir/breakout.conf;
}
CONF
}

nginx_start() {
    local dir bin
    dir=$(cd "$1" && pwd)
    bin=$(nginx_bin) || { echo "nginx not found" >&2; return 1; }
    "$bin" -t -q -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" || return 1
    "$bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" -g 'daemon off;' &
    echo $! >"$dir/master.pid"
}

nginx_stop() {
    stop_pid_file "$1/master.pid" QUIT TERM
}
