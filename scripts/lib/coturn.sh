# coturn, the TURN server, on loopback for the run and test commands. Sourced, not executed.
# Debian's `coturn` package, installed with apt-get when missing and root. It relays audio and video
# for people whose network blocks UDP or direct connections (browsers and Janus both use it). It
# checks the time-limited credentials that the nodes hand out (`use-auth-secret`: the username is
# "<expiry>:<participant id>", the password its HMAC-SHA1 with the shared secret; see
# Sources/BreakoutServer/Media/TurnCredentials.swift), so it keeps no user database.
#
# coturn_ensure_installed          installs it when missing (as root)
# coturn_start DIR SECRET [PORT]   starts turnserver on 127.0.0.1:PORT, UDP and TCP (default: a free
#                                  loopback port), relaying from a small free port range on the
#                                  host's own address (COTURN_RELAY_IP, default the first of
#                                  `hostname -I`, else 127.0.0.1: Janus's ICE takes no loopback
#                                  candidate, so a relay on 127.0.0.1 would reach nothing),
#                                  with SECRET as its static-auth-secret and realm "breakout"; waits
#                                  until it answers on both, prints its URL list
#                                  (turn:127.0.0.1:PORT?transport=udp,turn:127.0.0.1:PORT?transport=tcp);
#                                  its log (turnserver.log) and pid (turnserver.pid) in DIR
# coturn_stop DIR                  stops it and waits for it to exit
# coturn_port DIR                  prints the port of the coturn started in DIR
# coturn_credentials SECRET NAME SECONDS
#                                  prints "USERNAME PASSWORD": credentials for NAME valid for
#                                  SECONDS (username "<expiry>:NAME", password
#                                  base64(HMAC-SHA1(SECRET, username))); Janus gets a year's

coturn_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$coturn_lib_dir/postgres.sh" # pg_free_port
source "$coturn_lib_dir/pid-file.sh"

coturn_packages_present() {
    command -v turnserver >/dev/null 2>&1 && command -v turnutils_uclient >/dev/null 2>&1
}

coturn_ensure_installed() {
    if coturn_packages_present; then return 0; fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "coturn not found; as root the scripts install it, or: sudo apt-get install coturn" >&2
        return 1
    fi
    echo "==> installing Debian's coturn with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq coturn; } >/dev/null || return 1
    coturn_packages_present
}

# A free port of 127.0.0.1 for both TCP and UDP (coturn listens on both).
coturn_free_port() {
    local port
    for _ in $(seq 20); do
        port=$(pg_free_port)
        if python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# The first port of COUNT consecutive ones, free for TCP and UDP on 127.0.0.1, below the kernel's
# ephemeral range (20000–31999), so that client connections do not take them meanwhile.
coturn_free_range() {
    python3 - "$1" <<'PY'
import random, socket, sys
count = int(sys.argv[1])
for _ in range(200):
    base = random.randrange(20000, 32000 - count)
    try:
        for port in range(base, base + count):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind(("127.0.0.1", port))
    except OSError:
        continue
    print(base)
    sys.exit(0)
sys.exit(1)
PY
}

coturn_start() {
    local dir=$1 secret=$2 port=${3:-} pid relay_min
    coturn_ensure_installed || return 1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ -n "$port" ] || port=$(coturn_free_port) || { echo "no free port for coturn" >&2; return 1; }
    # Each allocation takes one relay port (two with an RTCP pair): 32 are plenty on loopback.
    relay_min=$(coturn_free_range 32) || { echo "no free relay port range for coturn" >&2; return 1; }
    echo "$port" >"$dir/turnserver.port"
    local relay_ip=${COTURN_RELAY_IP:-$(hostname -I 2>/dev/null | awk '{print $1}')}
    [ -n "$relay_ip" ] || relay_ip=127.0.0.1
    # A configuration file rather than options, so the secret stays out of the process list.
    # --verbose logs one line per request (allocations, refreshes, and each refusal with its
    # username and "error 401"), none per relayed packet.
    (umask 077 && cat >"$dir/turnserver.conf" <<CONF
listening-ip=127.0.0.1
relay-ip=$relay_ip
listening-port=$port
min-port=$relay_min
max-port=$((relay_min + 31))
use-auth-secret
static-auth-secret=$secret
realm=breakout
fingerprint
verbose
no-cli
no-tls
no-dtls
no-rfc5780
allow-loopback-peers
log-file=$dir/turnserver.log
simple-log
no-stdout-log
pidfile=$dir/turnserver.pid
userdb=$dir/turndb
CONF
    )
    # No fork (no -o): $! is turnserver itself, and the pid it writes to turnserver.pid the same.
    turnserver -c "$dir/turnserver.conf" >"$dir/turnserver.out" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/turnserver.pid"
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || {
            echo "turnserver exited:" >&2
            tail -20 "$dir/turnserver.log" "$dir/turnserver.out" >&2 2>/dev/null
            return 1
        }
        # Answers a STUN Binding request on UDP and accepts a TCP connection: both listeners are up.
        if python3 - "$port" <<'PY' 2>/dev/null; then
import os, socket, sys
port = int(sys.argv[1])
request = bytes.fromhex("000100002112a442") + os.urandom(12)
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
    u.settimeout(0.5)
    u.sendto(request, ("127.0.0.1", port))
    answer = u.recv(2048)
    assert answer[:2] == b"\x01\x01" and answer[8:20] == request[8:20]
socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
PY
            echo "turn:127.0.0.1:$port?transport=udp,turn:127.0.0.1:$port?transport=tcp"
            return 0
        fi
        sleep 0.1
    done
    echo "turnserver did not answer on 127.0.0.1:$port; its log: $dir/turnserver.log" >&2
    coturn_stop "$dir"
    return 1
}

coturn_port() { cat "$1/turnserver.port"; }

coturn_credentials() {
    # The secret through the environment, not the process list.
    COTURN_SECRET=$1 python3 - "$2" "$3" <<'PY'
import base64, hashlib, hmac, os, sys, time
secret, name, seconds = os.environ["COTURN_SECRET"], sys.argv[1], int(sys.argv[2])
username = f"{int(time.time()) + seconds}:{name}"
print(username, base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode())
PY
}

coturn_stop() {
    stop_pid_file "$1/turnserver.pid" TERM KILL
}
