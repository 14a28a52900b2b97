#!/usr/bin/env python3
"""PostgreSQL failover under load, end to end: what scripts/ha-test runs.

Three breakoutd nodes behind nginx, on a Patroni cluster of two members (synchronous mode) behind
HAProxy, all set up by scripts/ha-test. Participants move between rooms (each move with its own
Idempotency-Key, retried with the same key after a 502/503/504, a time-out or a lost connection),
the host watches the live stream on every node, and meetings' room timers fall due while there is
no primary. Then, in order:

  1. failover:    SIGKILL to the primary's Patroni and postmaster
  2. rejoin:      the old primary's Patroni starts again and must come back as a synchronous standby
  3. failover back to it, and the killed one rejoins
  4. switchover:  `patronictl switchover` (planned)

and the checks, with SQL on the last primary: every move answered 2xx is there exactly once, no
seq was reused (each event a stream saw is the database's event at that seq), every stream is
gap-free up to the last seq, each timer that fell due during the outage fired once, no node
restarted, and an operator (breakout_readonly) sees the same rooms on the replica as on the primary.

Figures (seconds) are printed per phase; the last line is `ha: N passed, M failed`.
Standard library only. Environment (from scripts/ha-test): HA_DIR, BALANCER, NODES (comma-separated
URLs), NODE_PIDS, NODE_LOGS (comma-separated, in the order of NODE_PIDS), DATABASE_URL,
BREAKOUT_REPLICA_URL, PSQL, REPO.
"""

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

HA_DIR = os.environ["HA_DIR"]
BALANCER = os.environ["BALANCER"]
NODES = os.environ["NODES"].split(",")
NODE_PIDS = [int(p) for p in os.environ["NODE_PIDS"].split(",")]
NODE_LOGS = os.environ.get("NODE_LOGS", "").split(",")
PRIMARY_URL = os.environ["DATABASE_URL"]
REPLICA_URL = os.environ["BREAKOUT_REPLICA_URL"]
PSQL = os.environ.get("PSQL", "psql")
REPO = os.environ["REPO"]

# The bounds this test holds the service to (docs/scaling.md gives the measured figures).
TTL = 10                    # Patroni's ttl (deploy/patroni.yml)
WRITES_BACK = TTL + 3       # after the primary is killed, writes answered again within this
ANSWER_BOUND = 2.5          # while there is no primary, a node answers every request within this
SWITCHOVER_PAUSE = 3.0      # the longest pause between answered writes during a switchover
MOVERS = 12                 # participants moving between rooms, each in its own thread
ROOMS = 4

started = time.monotonic()
results = []                # (name, passed, detail)
stop_load = threading.Event()
lock = threading.Lock()


def now():
    return time.monotonic() - started


def say(text):
    print(f"[{now():6.1f}s] {text}", flush=True)


def check(name, passed, detail=""):
    results.append((name, bool(passed), detail))
    print(f"{'ok  ' if passed else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)
    return passed


# ---------------------------------------------------------------------------------------- HTTP

def call(base, method, path, token=None, body=None, key=None, timeout=10):
    """One request; returns (status or None for a lost connection / time-out, JSON or None)."""
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, parsed(response.read())
    except urllib.error.HTTPError as error:
        return error.code, parsed(error.read())
    except (OSError, http.client.HTTPException):
        return None, None


def parsed(text):
    """JSON, or None for an empty or plain-text body (/readyz answers text)."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def must(base, method, path, token=None, body=None):
    """A setup request, retried with one key until it is answered 2xx (at most 60 s)."""
    key = str(uuid.uuid4())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, answer = call(base, method, path, token, body, key)
        if status is not None and 200 <= status < 300:
            return answer
        if status is not None and status < 500 and status != 429:
            raise RuntimeError(f"{method} {path}: {status} {answer}")
        time.sleep(0.3)
    raise RuntimeError(f"{method} {path}: no answer within 60 s")


class Writes:
    """Every attempt of every write: (sent, answered, status, via)."""

    def __init__(self):
        self.attempts = []
        self.moves = {}          # participant id -> number of moves answered 2xx
        self.failures = []       # writes that ended without a 2xx (a client would see a failure)

    def attempt(self, sent, answered, status, via):
        with lock:
            self.attempts.append((sent, answered, status, via))

    def answered_2xx(self, since, until=None):
        with lock:
            return sorted(a for s, a, st, _ in self.attempts
                          if st is not None and 200 <= st < 300 and s >= since and (until is None or a <= until))


writes = Writes()


def move(base, via, participant, token, meeting, room):
    """A client's move: one key, retried with it until answered (2xx or a refusal), 60 s at most."""
    key = str(uuid.uuid4())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        sent = now()
        status, answer = call(base, "POST", f"/v1/meetings/{meeting}/moves", token, {"roomId": room}, key, timeout=5)
        writes.attempt(sent, now(), status, via)
        if status is not None and 200 <= status < 300:
            with lock:
                writes.moves[participant] = writes.moves.get(participant, 0) + 1
            return True
        if status is not None and status not in (429, 502, 503, 504):
            with lock:
                writes.failures.append((via, participant, status, answer))
            return False
        time.sleep(0.2)
    with lock:
        writes.failures.append((via, participant, "gave up after 60 s", None))
    return False


def mover(base, via, participant, token, meeting, rooms):
    where = None
    while not stop_load.is_set():
        target = random.choice([r for r in rooms + [None] if r != where])
        if move(base, via, participant, token, meeting, target):
            where = target
        else:
            time.sleep(0.5)
        time.sleep(random.uniform(0.05, 0.25))


class Readiness(threading.Thread):
    """GET /readyz on one node every 0.25 s: (sent, took, status)."""

    def __init__(self, node):
        super().__init__(daemon=True)
        self.node = node
        self.samples = []

    def run(self):
        while not stop_load.is_set():
            sent = now()
            status, _ = call(self.node, "GET", "/readyz", timeout=10)
            self.samples.append((sent, now() - sent, status))
            time.sleep(0.25)


class Stream(threading.Thread):
    """The host's live stream on one endpoint, reconnecting with Last-Event-ID: every (seq, type, data)."""

    def __init__(self, base, meeting, token):
        super().__init__(daemon=True)
        self.url = urllib.parse.urlsplit(base)
        self.path = f"/v1/meetings/{meeting}/events?access_token={token}"
        self.events = []         # (seq, type, data); a snapshot is (seq, "snapshot", None)
        self.reconnects = 0
        self.done = threading.Event()

    def last(self):
        return self.events[-1][0] if self.events else None

    def run(self):
        while not self.done.is_set():
            try:
                connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=20)
                headers = {"Accept": "text/event-stream"}
                if self.events:
                    headers["Last-Event-ID"] = str(self.last())
                connection.request("GET", self.path, headers=headers)
                response = connection.getresponse()
                if response.status != 200:
                    response.read()
                    raise OSError(f"status {response.status}")
                frame = {}
                while not self.done.is_set():
                    line = response.readline()
                    if not line:
                        raise OSError("stream ended")
                    line = line.decode().rstrip("\n")
                    if line.startswith(":"):
                        continue
                    if line == "":
                        if "id" in frame:
                            kind = frame.get("event", "message")
                            data = json.loads(frame["data"]) if kind != "snapshot" and frame.get("data") else None
                            self.events.append((int(frame["id"]), kind, data))
                        frame = {}
                        continue
                    name, _, value = line.partition(":")
                    frame[name] = value[1:] if value.startswith(" ") else value
            except (OSError, http.client.HTTPException, ValueError):
                if self.done.is_set():
                    return
                self.reconnects += 1
                time.sleep(0.2)


# ----------------------------------------------------------------------------------- the cluster

def ha(function, *arguments):
    """A function of scripts/lib/ha.sh on this run's cluster; its output."""
    script = f'source scripts/lib/postgres.sh && source scripts/lib/ha.sh && {function} "$@"'
    return subprocess.run(["bash", "-c", script, "ha", HA_DIR, *arguments], cwd=REPO, check=True,
                          capture_output=True, text=True, timeout=120).stdout.strip()


def primary_now():
    """The member that is primary now, or "" while there is none."""
    try:
        return ha("ha_primary")
    except subprocess.CalledProcessError:
        return ""


def kill(member):
    """SIGKILL to the member's Patroni and postmaster; the time when both are gone. (Taken after
    the command returns: a write sent while the command starts up may still be answered 2xx by the
    old primary, and must not count as writes being back.)"""
    ha("ha_kill_member", member)
    return now()


def api_port(member):
    with open(os.path.join(HA_DIR, "ports")) as f:
        ports = dict(line.strip().split("=", 1) for line in f if "=" in line)
    return int(ports[f"HA_PORT_API{member[2:]}"])


def rest_ok(member, check_path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{api_port(member)}/{check_path}", timeout=1):
            return True
    except (OSError, http.client.HTTPException):
        return False


def wait_for(what, condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    say(f"gave up waiting for {what} after {timeout} s")
    return False


def sql(url, query):
    out = subprocess.run([PSQL, url, "-qAtX", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return [line.split("\t") for line in out.splitlines() if line]


# -------------------------------------------------------------------------------------- phases

# The first line of what the Swift runtime writes when a process traps (a failed precondition, a
# fatalError, a signal), and its backtracer's heading.
CRASH_MARKS = ("Fatal error", "Precondition failed", "Assertion failed", "*** Program crashed", "*** Signal")


def crash_report(log_path, lines=80):
    """What a dead node wrote from its first crash line on (the Swift backtrace), else its last lines."""
    try:
        with open(log_path, errors="replace") as log:
            text = log.read().splitlines()
    except OSError as error:
        return f"(no log: {error})"
    first = next((i for i, line in enumerate(text) if any(mark in line for mark in CRASH_MARKS)), None)
    shown = text[first:first + lines] if first is not None else text[-lines:]
    return "\n".join(shown)


reported_dead = set()         # nodes whose crash report has been printed


def nodes_survived(phase):
    """Every node process started by scripts/ha-test is still the same process; a crash report for any that is not."""
    dead = [(index, pid) for index, pid in enumerate(NODE_PIDS) if not os.path.exists(f"/proc/{pid}")]
    for index, pid in dead:
        if pid in reported_dead:
            continue
        reported_dead.add(pid)
        log = NODE_LOGS[index] if index < len(NODE_LOGS) and NODE_LOGS[index] else None
        say(f"node-{index + 1} (pid {pid}) is gone after the {phase}; its crash report:")
        print(crash_report(log) if log else "(no log path given)", flush=True)
    return check(f"{phase}: every node process survived", not dead,
                 f"{len(NODE_PIDS) - len(dead)} of {len(NODE_PIDS)} alive" + (f"; gone: node-{', node-'.join(str(i + 1) for i, _ in dead)}" if dead else ""))

def outage_figures(name, killed_at, members_before):
    """Waits for writes after a kill, then checks and prints the outage's figures."""
    back = None
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline and back is None:
        answered = writes.answered_2xx(since=killed_at)
        back = answered[0] - killed_at if answered else None
        time.sleep(0.1)
    time.sleep(3)
    window_end = now()
    with lock:
        during = [(s, a, st, via) for s, a, st, via in writes.attempts if s >= killed_at and s <= killed_at + (back or 45)]
    node_answers = [a - s for s, a, st, via in during if via == "node" and st is not None]
    balancer_answers = [a - s for s, a, st, via in during if via == "nginx" and st is not None]
    lost = [1 for s, a, st, via in during if via == "node" and st is None]
    refused = sum(1 for s, a, st, via in during if st == 503)
    ready = [(s, took, st) for reader in readiness for (s, took, st) in reader.samples if killed_at <= s <= killed_at + (back or 45)]
    promoted = primary_now()
    say(f"{name}: primary {members_before} -> {promoted}; writes back after {back if back is None else round(back, 2)} s; "
        f"{len(during)} attempts meanwhile, {refused} answered 503; slowest answer: node "
        f"{max(node_answers, default=0):.2f} s, via nginx {max(balancer_answers, default=0):.2f} s; "
        f"readiness 503 {sum(1 for _, _, st in ready if st == 503)} times, slowest {max((t for _, t, _ in ready), default=0):.2f} s")
    check(f"{name}: a new primary", promoted and promoted != members_before, f"{members_before} -> {promoted}")
    check(f"{name}: writes back within ttl + 3 s", back is not None and back <= WRITES_BACK, f"{back and round(back, 2)} s")
    check(f"{name}: every request to a node answered within {ANSWER_BOUND} s while there was no primary",
          node_answers and max(node_answers) <= ANSWER_BOUND and not lost,
          f"slowest {max(node_answers, default=0):.2f} s of {len(node_answers)}, {len(lost)} unanswered")
    check(f"{name}: readiness answered 503 within {ANSWER_BOUND} s meanwhile",
          any(st == 503 for _, _, st in ready) and all(t <= ANSWER_BOUND for _, t, _ in ready),
          f"{sum(1 for _, _, st in ready if st == 503)} of {len(ready)} probes 503")
    return {"back": back, "node_max": max(node_answers, default=0), "nginx_max": max(balancer_answers, default=0),
            "attempts": len(during), "refused": refused, "window_end": window_end}


def rejoin(member):
    """Starts a killed member again; it must come back as the synchronous standby."""
    began = now()
    ha("ha_start_member", member)
    ok = wait_for(f"{member} to rejoin as the synchronous standby",
                  lambda: rest_ok(member, "replica") and rest_ok(member, "sync"), 120)
    took = now() - began
    say(f"{member} rejoined as synchronous standby after {took:.1f} s")
    check(f"{member} rejoins as a synchronous replica", ok, f"{took:.1f} s")
    return took


def longest_pause(since, until):
    answered = writes.answered_2xx(since=since - 5, until=until)
    answered = [a for a in answered if a >= since] if answered else []
    points = [since] + answered + [until]
    return max(b - a for a, b in zip(points, points[1:]))


def timer_meetings(seconds_list):
    """Meetings whose room timer falls due after the given seconds: (meeting id, host token)."""
    made = []
    for seconds in seconds_list:
        created = must(BALANCER, "POST", "/v1/meetings", body={"title": f"Timer {seconds} s"})
        meeting, host = created["meeting"]["id"], created["hostToken"]
        must(BALANCER, "POST", f"/v1/meetings/{meeting}/breakout", host,
             {"roomCount": 1, "mode": "manual",
              "options": {"timerSeconds": seconds, "closeWhenTimeUp": True, "notifyHostWhenTimeUp": True,
                          "closeCountdownSeconds": 0}})
        made.append((meeting, host))
    for meeting, host in made:
        must(BALANCER, "POST", f"/v1/meetings/{meeting}/breakout/open", host)
    return made


def main():
    global readiness
    say(f"nodes {NODES}, balancer {BALANCER}, primary {ha('ha_primary')}")

    # The meeting: 4 rooms to choose from, MOVERS participants through nginx and one per node directly.
    created = must(BALANCER, "POST", "/v1/meetings", body={"title": "Failover under load"})
    meeting, host, code = created["meeting"]["id"], created["hostToken"], created["meeting"]["code"]
    people = []
    for i in range(MOVERS + len(NODES)):
        joined = must(BALANCER, "POST", "/v1/meetings/join", body={"code": code, "displayName": f"Student {i + 1}"})
        people.append((joined["participantId"], joined["token"]))
    breakout = must(BALANCER, "POST", f"/v1/meetings/{meeting}/breakout", host, {"roomCount": ROOMS, "mode": "self_select"})
    rooms = [room["id"] for room in breakout["rooms"]]
    must(BALANCER, "POST", f"/v1/meetings/{meeting}/breakout/open", host)

    streams = [Stream(node, meeting, host) for node in NODES] + [Stream(BALANCER, meeting, host)]
    for stream in streams:
        stream.start()
    readiness = [Readiness(node) for node in NODES]
    for reader in readiness:
        reader.start()
    threads = []
    for i, (participant, token) in enumerate(people):
        if i < MOVERS:
            threads.append(threading.Thread(target=mover, args=(BALANCER, "nginx", participant, token, meeting, rooms), daemon=True))
        else:
            node = NODES[i - MOVERS]
            threads.append(threading.Thread(target=mover, args=(node, "node", participant, token, meeting, rooms), daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(4)
    say(f"load running: {len(writes.answered_2xx(since=0))} moves answered so far")

    figures = {}
    timers = []
    # 1. Failover: timers due 3, 6 and 9 s after the kill, i.e. while there is no primary.
    old = ha("ha_primary")
    timers += timer_meetings([4, 7, 10])
    killed_at = kill(old)
    say(f"killed {old} (Patroni and postmaster, SIGKILL)")
    figures["failover"] = outage_figures("failover", killed_at, old)
    nodes_survived("failover")
    figures["rejoin"] = rejoin(old)

    # 2. Failover back to the old primary, then the killed one rejoins.
    second = ha("ha_primary")
    timers += timer_meetings([4, 8])
    killed_at = kill(second)
    say(f"killed {second}")
    figures["failback"] = outage_figures("failover back", killed_at, second)
    check("failover back: the first primary is primary again", primary_now() == old)
    nodes_survived("failover back")
    figures["rejoin2"] = rejoin(second)

    # 3. Planned switchover.
    leader = ha("ha_primary")
    candidate = second
    began = now()
    out = ha("ha_patronictl", "switchover", "--leader", leader, "--candidate", candidate, "--force")
    say(f"switchover {leader} -> {candidate}: {out.splitlines()[-1] if out else ''}")
    wait_for("the candidate to be primary", lambda: rest_ok(candidate, "primary"), 60)
    time.sleep(5)
    pause = longest_pause(began, now())
    switched_back = writes.answered_2xx(since=began)
    figures["switchover_pause"] = pause
    say(f"switchover: longest pause between answered writes {pause:.2f} s")
    check("switchover: the candidate is primary", primary_now() == candidate)
    check(f"switchover: longest pause in answered writes <= {SWITCHOVER_PAUSE} s", pause <= SWITCHOVER_PAUSE, f"{pause:.2f} s")
    check("switchover: writes go on", len(switched_back) > 10, f"{len(switched_back)} answered after it began")
    rejoined = wait_for("the old leader to be a synchronous standby", lambda: rest_ok(leader, "sync"), 90)
    check("switchover: the old leader follows as synchronous standby", rejoined)
    nodes_survived("switchover")

    # The load stops; every client's last write is answered.
    stop_load.set()
    for thread in threads:
        thread.join(timeout=70)
    check("no client that retried with its key saw a failure", not writes.failures, f"{writes.failures[:5]}")
    total = len(writes.answered_2xx(since=0))

    # The checks, on the last primary.
    rows = sql(PRIMARY_URL, f"SELECT last_seq FROM meetings WHERE id = '{meeting}'")
    last_seq = int(rows[0][0])
    wait_for("every stream to reach the last seq", lambda: all((s.last() or 0) >= last_seq for s in streams), 20)
    for stream in streams:
        stream.done.set()
    moved = {p: int(n) for p, n in sql(PRIMARY_URL,
             f"SELECT payload->>'participantId', count(*) FROM events WHERE meeting_id = '{meeting}' "
             f"AND type = 'participant_moved' GROUP BY 1")}
    mismatched = {p: (n, moved.get(p, 0)) for p, n in writes.moves.items() if moved.get(p, 0) != n}
    extra = {p: n for p, n in moved.items() if p not in writes.moves}
    check("every move answered 2xx is in the database exactly once", not mismatched and not extra,
          f"{sum(writes.moves.values())} moves answered, {sum(moved.values())} in the events; differing: {dict(list(mismatched.items())[:5])} {extra}")
    database = {int(seq): (kind, json.loads(payload), audience, recipients)
                for seq, kind, payload, audience, recipients in sql(
                    PRIMARY_URL, f"SELECT seq, type, payload::text, audience, recipients::text FROM events "
                                 f"WHERE meeting_id = '{meeting}' ORDER BY seq")}
    host_id = created["participantId"]
    visible = sorted(seq for seq, (_, _, audience, recipients) in database.items()
                     if audience != "only" or host_id in recipients)
    for index, stream in enumerate(streams):
        label = "nginx" if index == len(NODES) else f"node-{index + 1}"
        differing = [(seq, kind) for seq, kind, data in stream.events
                     if kind != "snapshot" and (seq not in database or database[seq][0] != kind or database[seq][1] != data)]
        check(f"stream on {label}: each event is the database's event at its seq (no seq reused)", not differing,
              f"{len(stream.events)} events, differing: {differing[:5]}")
        missing = []
        covered = -1
        for seq, kind, _ in stream.events:
            if kind == "snapshot":
                covered = max(covered, seq)
                continue
            missing += [s for s in visible if covered < s < seq]
            covered = max(covered, seq)
        missing += [s for s in visible if covered < s <= last_seq]
        check(f"stream on {label}: gap-free to the last seq {last_seq}", not missing and covered >= last_seq,
              f"{stream.reconnects} reconnects, missing {missing[:10]}")
    for meeting_id, _ in timers:
        fired = sql(PRIMARY_URL, f"SELECT count(*) FILTER (WHERE type = 'time_up'), count(*) FILTER (WHERE type = 'breakout_closed'), "
                                 f"(SELECT count(*) FROM timers WHERE meeting_id = '{meeting_id}' AND kind = 'room_timer' AND fired_at IS NOT NULL), "
                                 f"(SELECT count(*) FROM timers WHERE meeting_id = '{meeting_id}' AND kind = 'room_timer' AND fired_at IS NULL) "
                                 f"FROM events WHERE meeting_id = '{meeting_id}'")[0]
        check(f"timer of meeting {meeting_id[:8]} fired once", fired == ["1", "1", "1", "0"],
              f"time_up, breakout_closed, fired, pending = {fired}")
    nodes_survived("whole run")

    # Operators on the replica: breakout_readonly sees the same rooms as on the primary once replayed.
    sql(PRIMARY_URL, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'ha_operator') THEN "
                     "CREATE ROLE ha_operator LOGIN; END IF; END $$; GRANT breakout_readonly TO ha_operator")
    operator = urllib.parse.urlsplit(REPLICA_URL)._replace(netloc=f"ha_operator@{urllib.parse.urlsplit(REPLICA_URL).netloc.split('@')[-1]}").geturl()
    lsn = sql(PRIMARY_URL, "SELECT pg_current_wal_lsn()")[0][0]
    replayed = wait_for("the replica to replay the last commit",
                        lambda: sql(operator, f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == [["t"]], 20)
    # By the meeting's id: the views show join codes only to breakout_readonly_codes (sql/020).
    where = ("SELECT participant, location FROM breakout_room_members WHERE meeting_id = '%s' ORDER BY participant" % meeting)
    on_replica = sql(operator, where)
    on_primary = sql(PRIMARY_URL, where)
    in_recovery = sql(operator, "SELECT pg_is_in_recovery()")
    student = sql(operator, f"SELECT location FROM breakout_room_members WHERE meeting_id = '{meeting}' AND participant = 'Student 7'")
    lag = sql(operator, "SELECT coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 3), 0)")
    replication = sql(PRIMARY_URL, "SELECT application_name, state, sync_state, coalesce(replay_lag::text, '0') FROM pg_stat_replication")
    say(f"replica: where is Student 7? {student}; replay lag {lag}; pg_stat_replication {replication}")
    check("operators: breakout_readonly on the replica port reads a standby", in_recovery == [["t"]] and replayed)
    check("operators: the replica's breakout_room_members equals the primary's", on_replica == on_primary and len(on_replica) > MOVERS,
          f"{len(on_replica)} rows")
    try:
        sql(operator, "SELECT token_hash FROM participants LIMIT 1")
        check("operators: breakout_readonly cannot read tokens on the replica", False)
    except subprocess.CalledProcessError:
        check("operators: breakout_readonly cannot read tokens on the replica", True)

    f = figures

    def sec(value, digits=2):
        return "none" if value is None else f"{value:.{digits}f}"
    print(f"figures: failover writes back {sec(f['failover']['back'])} s (slowest answer: node {sec(f['failover']['node_max'])} s, "
          f"via nginx {sec(f['failover']['nginx_max'])} s); failover back {sec(f['failback']['back'])} s "
          f"(node {sec(f['failback']['node_max'])} s, nginx {sec(f['failback']['nginx_max'])} s); rejoin {sec(f['rejoin'], 1)} s and "
          f"{sec(f['rejoin2'], 1)} s; switchover longest pause {sec(f['switchover_pause'])} s; {total} moves answered; "
          f"{len(timers)} timers; whole run {now():.0f} s", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # a step that could not run counts as one failure
        check("the scenario ran to its end", False, f"{type(error).__name__}: {error}")
        stop_load.set()
        if not any(name == "whole run: every node process survived" for name, _, _ in results):
            nodes_survived("whole run")
    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    print(f"ha: {passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)
