"""Fuzzes the HTTP API with schemathesis against the OpenAPI document the server serves.

Starts one `breakoutd serve` of this build (BREAKOUTD_BIN, DATABASE_URL), sets up a meeting with
a host, a participant, rooms, an open breakout and a help request, and runs schemathesis on
`/openapi.yaml` with real tokens and the meeting's real ids in the paths (Tests/fuzz/hooks.py), so
operations reach their handlers instead of a 401 or 404. Checks: no 5xx, and every answer conforms to
the document (status code, content type, headers, schema); input the document forbids is refused.

The live stream (`GET .../events`) is not fuzzed: it never ends by itself, so schemathesis
would wait on every call until its timeout; the suite's live-stream tests cover it.

Prints `fuzz: N passed, M failed` (operations) as its last line; exits 1 on any failure.
Environment: BREAKOUT_FUZZ_EXAMPLES (examples per operation and phase, default 100: about 80 s here),
BREAKOUT_FUZZ_SEED (a number, or "random", the default; printed), BREAKOUT_FUZZ_REPORT (folder for the JUnit report).
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
# The HTTP helpers shared with the browser tests; hooks.py gets them through PYTHONPATH.
SHARED = os.path.join(REPO, "Tests", "shared")
sys.path.insert(0, SHARED)
from api_call import free_port, request  # noqa: E402  (after the path it is found on)


def call(base, method, path, token=None, body=None):
    """A call of the set-up, which must succeed: a refusal stops the run with what was refused."""
    try:
        return request(base, method, path, token, body, timeout=10)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"setup: {method} {path} answered {error.code}: {error.read()[:300]!r}") from None


def start_node(port, log):
    env = dict(os.environ)
    env.update(PORT=str(port), HOST="127.0.0.1", NODE_ID="fuzz", LOG_LEVEL=env.get("LOG_LEVEL", "error"))
    binary = os.environ.get("BREAKOUTD_BIN") or os.path.join(REPO, ".build", "debug", "breakoutd")
    # From a folder of its own: the binary carries its migrations and this document.
    process = subprocess.Popen([binary, "serve"], env=env, cwd=tempfile.gettempdir(), stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"breakoutd exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_node(process)
    raise RuntimeError("breakoutd did not become ready within 60 s")


def stop_node(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def set_up(base):
    """A meeting in a state where most operations can succeed: rooms open, a participant in a
    room with an open help request."""
    _, created = call(base, "POST", "/v1/meetings", body={"title": "Fuzz"})
    meeting = created["meeting"]["id"]
    host = created["hostToken"]
    _, joined = call(base, "POST", "/v1/meetings/join",
                     body={"code": created["meeting"]["code"], "displayName": "Pat", "email": "pat@example.org"})
    _, breakout = call(base, "POST", f"/v1/meetings/{meeting}/breakout", host,
                       {"roomCount": 3, "mode": "manual", "options": {"closeCountdownSeconds": 0}})
    room = breakout["rooms"][0]["id"]
    call(base, "PUT", f"/v1/meetings/{meeting}/breakout/assignments/{joined['participantId']}", host, {"roomId": room})
    call(base, "POST", f"/v1/meetings/{meeting}/breakout/open", host)
    _, help_request = call(base, "POST", f"/v1/meetings/{meeting}/help-requests", joined["token"])
    return {
        "meetingId": meeting, "code": created["meeting"]["code"], "hostToken": host,
        "participantId": joined["participantId"], "participantToken": joined["token"], "roomId": room,
        "requestId": help_request["id"],
    }


def schemathesis(base, ids, report, examples, seed):
    """The schemathesis run; returns its exit status and {operation: failed?} from its JUnit report."""
    env = dict(os.environ)
    env.update(SCHEMATHESIS_HOOKS="hooks", PYTHONDONTWRITEBYTECODE="1", BREAKOUT_FUZZ_IDS=json.dumps(ids), BREAKOUT_FUZZ_BASE=base,
               PYTHONPATH=os.pathsep.join([HERE, SHARED, env.get("PYTHONPATH", "")]))
    junit = os.path.join(report, "junit.xml")
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{base}/openapi.yaml",
        "--checks", "all",
        # Meeting state changes under the run (rooms deleted, roles changed), so a call that
        # succeeded once may rightly be refused the next time: not a fault of the API.
        "--exclude-checks", "use_after_free,ensure_resource_availability,positive_data_acceptance",
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(examples), "--seed", str(seed),
        "--workers", "2", "--request-timeout", "10", "--no-color",
        "--report", "junit", "--report-junit-path", junit,
        "--suppress-health-check", "all",
        "--exclude-operation-id", "liveStream",
    ]
    print("$ " + " ".join(command[1:]), flush=True)
    # In the report folder: schemathesis keeps a cache in its working folder.
    status = subprocess.call(command, env=env, cwd=report)
    results = {}
    if os.path.exists(junit):
        for case in ElementTree.parse(junit).getroot().iter("testcase"):
            failed = case.find("failure") is not None or case.find("error") is not None
            results[case.get("name")] = failed
    return status, results


def main():
    examples = int(os.environ.get("BREAKOUT_FUZZ_EXAMPLES", "100"))
    raw_seed = os.environ.get("BREAKOUT_FUZZ_SEED", "")
    seed = random.randrange(1 << 31) if raw_seed in ("", "random") else int(raw_seed)
    report = os.environ.get("BREAKOUT_FUZZ_REPORT") or tempfile.mkdtemp(prefix="breakout-fuzz.")
    os.makedirs(report, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.time()
    node_log_path = os.path.join(report, "node.log")
    with open(node_log_path, "wb") as node_log:
        process = start_node(port, node_log)
        try:
            ids = set_up(base)
            print(f"fuzz: seed {seed}, {examples} examples per operation and phase, node on {base}", flush=True)
            status, results = schemathesis(base, ids, report, examples, seed)
            alive = process.poll() is None
        finally:
            stop_node(process)
    failed = sum(1 for value in results.values() if value)
    passed = len(results) - failed
    ok = status == 0 and alive and bool(results)
    if not results or (not ok and failed == 0):
        failed += 1  # the run itself failed (no report, a crash of the node, or an error outside the checks)
    if not alive:
        print("fuzz: the node exited during the run; its log:", node_log_path)
    print(f"fuzz: {len(results)} operations in {time.time() - started:.0f} s; report and node log in {report}")
    print(f"fuzz: {passed} passed, {failed} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
