# A real OpenID Connect provider on loopback, for the tests and the run command: oidc-provider-mock
# from PyPI, pinned, in a virtual environment of its own in .data/oidc-venv (it needs Python 3.12
# or later, newer than the python3 the other steps use, and Debian's own python3 takes no pip
# installs). Sourced, not executed.
#
# Its users are those of scripts/lib/oidc-users.json: a teacher, ada@uni.example, and a student,
# sam@uni.example, each with email, name and eduPersonAffiliation. Its login form lists them as
# buttons (name "sub", value the email); it also takes any other subject typed in.
#
# oidc_ensure_installed              installs it when missing (python3 -m venv, then pip)
# oidc_start DIR REDIRECT_URI...     starts it on a free loopback port (log and pid in DIR), waits
#                                    until its discovery document answers, registers one client
#                                    allowed to return to REDIRECT_URI..., exports
#                                    BREAKOUT_OIDC_ISSUER, BREAKOUT_OIDC_CLIENT_ID and
#                                    BREAKOUT_OIDC_CLIENT_SECRET, and prints the issuer URL
# oidc_stop DIR                      stops it and waits for it to exit
#
# The provider checks the client: started with --require-registration, it knows only the client
# registered here, with its secret and its redirect URIs. It does not check PKCE (it accepts a
# code_challenge and never compares the code_verifier), so the server's own PKCE is not tested by it.

oidc_provider_version=0.4.8
oidc_lib_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
oidc_venv="$oidc_lib_dir/../../.data/oidc-venv"
source "$oidc_lib_dir/postgres.sh" # pg_free_port
source "$oidc_lib_dir/pid-file.sh"

# Prints a Python 3.12 or later: BREAKOUT_OIDC_PYTHON, one on PATH, or one that pyenv installed.
oidc_python() {
    local candidate version
    local candidates=("${BREAKOUT_OIDC_PYTHON:-}" python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.[0-9]+)?$' | sort -rV); do
            candidates+=("$(pyenv root)/versions/$version/bin/python3")
        done
    fi
    for candidate in "${candidates[@]}"; do
        [ -n "$candidate" ] || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

oidc_ready() {
    [ "$("$oidc_venv/bin/python" -c 'import importlib.metadata as m; print(m.version("oidc-provider-mock"))' 2>/dev/null)" \
        = "$oidc_provider_version" ]
}

oidc_ensure_installed() {
    if oidc_ready; then return 0; fi
    local python
    python=$(oidc_python) || {
        echo "oidc-provider-mock needs Python 3.12 or later; none found (set BREAKOUT_OIDC_PYTHON)." >&2
        return 1
    }
    echo "==> installing oidc-provider-mock $oidc_provider_version into .data/oidc-venv ($("$python" --version))"
    rm -rf "$oidc_venv"
    "$python" -m venv "$oidc_venv" &&
        "$oidc_venv/bin/python" -m pip install --quiet --disable-pip-version-check "oidc-provider-mock==$oidc_provider_version" &&
        oidc_ready
}

oidc_start() {
    local dir=$1; shift
    local port pid issuer client
    oidc_ensure_installed || return 1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    port=$(pg_free_port)
    # The issuer is the URL the provider is reached by (it reads the Host header): always 127.0.0.1.
    issuer="http://127.0.0.1:$port"
    NO_COLOR=1 "$oidc_venv/bin/oidc-provider-mock" --host 127.0.0.1 --port "$port" --require-registration true \
        --user-claims-file "$oidc_lib_dir/oidc-users.json" >"$dir/oidc.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/oidc.pid"
    for _ in $(seq 300); do
        kill -0 "$pid" 2>/dev/null || { echo "oidc-provider-mock exited:" >&2; tail -20 "$dir/oidc.log" >&2; return 1; }
        if "$oidc_venv/bin/python" - "$issuer" <<'PY' 2>/dev/null; then break; fi
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/.well-known/openid-configuration", timeout=1) as answer:
    assert json.load(answer)["issuer"] == sys.argv[1]
PY
        sleep 0.1
    done
    # Dynamic client registration (RFC 7591) is the provider's only way to know a client.
    client=$("$oidc_venv/bin/python" - "$issuer" "$@" <<'PY'
import json, sys, urllib.request
body = json.dumps({"redirect_uris": sys.argv[2:], "token_endpoint_auth_method": "client_secret_basic"}).encode()
request = urllib.request.Request(sys.argv[1] + "/oauth2/clients", data=body, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as answer:
    client = json.load(answer)
print(client["client_id"], client["client_secret"])
PY
    ) || { echo "oidc-provider-mock did not answer at $issuer; its log: $dir/oidc.log" >&2; oidc_stop "$dir"; return 1; }
    export BREAKOUT_OIDC_ISSUER=$issuer
    export BREAKOUT_OIDC_CLIENT_ID=${client% *}
    export BREAKOUT_OIDC_CLIENT_SECRET=${client#* }
    echo "$issuer"
}

oidc_stop() {
    stop_pid_file "$1/oidc.pid" TERM KILL
}
