"""Browser test of rooms you can talk in: a real Janus (Debian's package, scripts/lib/janus.sh), two
nodes with media on behind the project's nginx (the pages signal through the nodes' WebSocket;
Janus is closed to them), and four headless Chromiums
with a fake camera and microphone, two in each breakout room. What each page receives is read from
WebRTC's own statistics (inbound `bytesReceived` per roommate's feed and kind), so every check is
about media that really arrived.

Checked: each person receives media from its roommates only; Janus cannot be reached through the
balancer and refuses anyone without the nodes' secret; a page that allows only relayed paths
(`iceTransportPolicy: "relay"`) sends and receives through coturn; media follows a host's move within 2 s; a
host's mute stops that person's audio at the others (even from a page that ignores the mute) while
the video goes on; a page that lags behind a move is taken out of the room by its node (it receives
nothing more from the room it left) and its old roommates drop its tile; after
Janus is killed and restarted, media comes back within 5 s; after a node is SIGKILLed during a
move, Janus's allowed lists converge on the database's state and the pages it served are back
through the other node within 3 s; the panel passes axe-core and works
by keyboard.

Part of web_flow.py's run (scripts/test); runs alone too, with DATABASE_URL (and BREAKOUTD_BIN)
set: `python3 Tests/browser/media_flow.py`.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import REPO, Browser, Node, api, free_port
from web_flow import Scenario, check, run_scenarios, session_of
from signin_flow import Balancer


class JanusServer:
    """A private Janus on a fixed loopback port, started by scripts/lib/janus.sh (so it can be
    killed and started again where the nodes expect it)."""

    def __init__(self, admin_key):
        self.admin_key = admin_key
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="breakout-media-janus-")
        self.url = f"http://127.0.0.1:{self.port}/janus"
        # janus_start keeps a WebSocket port it finds in the folder: chosen here, so the nodes
        # know it before Janus starts.
        self.ws_port = free_port()
        with open(os.path.join(self.dir, "janus.ws_port"), "w") as f:
            f.write(f"{self.ws_port}\n")
        self.ws_url = f"ws://127.0.0.1:{self.ws_port}"

    def start(self):
        subprocess.run(["bash", "-c", 'source scripts/lib/janus.sh && janus_start "$1" "$2" "$3" >/dev/null',
                        "janus", self.dir, self.admin_key, str(self.port)], cwd=REPO, check=True)

    def kill(self):
        with open(os.path.join(self.dir, "janus.pid")) as f:
            pid = int(f.read().strip())
        os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self):
        subprocess.run(["bash", "-c", 'source scripts/lib/janus.sh && janus_stop "$1"', "janus", self.dir], cwd=REPO)
        shutil.rmtree(self.dir, ignore_errors=True)


class TurnServer:
    """A private coturn (Debian's package, scripts/lib/coturn.sh) with a shared secret."""

    def __init__(self):
        self.secret = secrets.token_urlsafe(24)
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="breakout-media-coturn-")
        self.urls = f"turn:127.0.0.1:{self.port}?transport=udp,turn:127.0.0.1:{self.port}?transport=tcp"

    def start(self):
        subprocess.run(["bash", "-c", 'source scripts/lib/coturn.sh && coturn_start "$1" "$2" "$3" >/dev/null',
                        "coturn", self.dir, self.secret, str(self.port)], cwd=REPO, check=True)

    def log(self):
        try:
            with open(os.path.join(self.dir, "turnserver.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        subprocess.run(["bash", "-c", 'source scripts/lib/coturn.sh && coturn_stop "$1"', "coturn", self.dir], cwd=REPO)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateDatabase:
    """A database of its own on DATABASE_URL's server: a fresh Janus would otherwise be given
    every live meeting of the shared one to rebuild (a whole suite's, over a thousand), while
    the test's pages talk."""

    def __init__(self):
        self.server = os.environ["DATABASE_URL"]
        self.name = "media_flow_" + secrets.token_hex(4)
        head, _, query = self.server.partition("?")
        self.url = head.rsplit("/", 1)[0] + "/" + self.name + ("?" + query if query else "")

    def psql(self, sql):
        subprocess.run(["psql", self.server, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True, stdout=subprocess.DEVNULL)

    def create(self):
        self.psql(f"CREATE DATABASE {self.name}")

    def drop(self):
        try:
            self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        except subprocess.CalledProcessError:
            pass


class MediaCluster:
    """Janus, coturn, two nodes with media on, nginx in front of both, on a database of their own."""

    def __init__(self):
        self.admin_key = secrets.token_urlsafe(24)
        self.janus = JanusServer(self.admin_key)
        self.turn = TurnServer()
        self.database = PrivateDatabase()
        env = {"DATABASE_URL": self.database.url, "BREAKOUT_MEDIA": "janus", "BREAKOUT_JANUS_URL": self.janus.url, "BREAKOUT_JANUS_WS_URL": self.janus.ws_url,
               "BREAKOUT_JANUS_ADMIN_KEY": self.admin_key,
               "BREAKOUT_TURN_URLS": self.turn.urls, "BREAKOUT_TURN_SECRET": self.turn.secret,
               "LOG_LEVEL": os.environ.get("LOG_LEVEL", "warning")}
        self.nodes = [Node("media-a", env=env), Node("media-b", env=env)]
        self.balancer = Balancer(free_port(), self.nodes)
        self.started = False

    def start(self):
        self.database.create()
        self.turn.start()
        self.janus.start()
        for node in self.nodes:
            node.start()
        self.balancer.start()
        self.started = True

    def stop(self):
        if self.started:
            self.balancer.stop()
        for node in self.nodes:
            node.stop()
        self.janus.stop()
        self.turn.stop()
        self.database.drop()

    # The secrets Janus checks, derived from the admin key as the nodes derive them.
    def derive(self, text):
        mac = hmac.new(self.admin_key.encode(), text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def media_token(self, participant_id):
        return self.derive(f"media token {participant_id}")

    def allowed(self, room):
        """The tokens in a Janus room's `allowed` list (None: no such room), asked of Janus itself."""
        janus = JanusAPI(self.janus.url, self.admin_key)
        answer = janus.message({"request": "allowed", "room": room, "secret": self.derive(f"media room secret {room}"),
                                "action": "add", "allowed": []})
        janus.close()
        return None if answer.get("error_code") == 426 else set(answer.get("allowed", []))


class JanusAPI:
    """Janus's HTTP API with the nodes' secret (an operator's view), or without it (anyone else)."""

    def __init__(self, url, secret=None):
        self.url = url
        self.secret = secret
        self.session = self.post("", {"janus": "create"})["data"]["id"]
        self.handle = self.post(f"/{self.session}", {"janus": "attach", "plugin": "janus.plugin.videoroom"})["data"]["id"]

    def post(self, path, body):
        body = {**body, "transaction": uuid.uuid4().hex, **({"apisecret": self.secret} if self.secret else {})}
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.load(answer)

    @staticmethod
    def refusal(url, body):
        """Janus's error code for `body` sent without any secret (None: it was accepted)."""
        request = urllib.request.Request(url, data=json.dumps({**body, "transaction": uuid.uuid4().hex}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as answer:
            reply = json.load(answer)
        return reply.get("error", {}).get("code") if reply.get("janus") == "error" else None

    def message(self, body):
        return self.post(f"/{self.session}/{self.handle}", {"janus": "message", "body": body})["plugindata"]["data"]

    def close(self):
        try:
            self.post(f"/{self.session}", {"janus": "destroy"})
        except Exception:
            pass


def media_stats(browser):
    return json.loads(browser.driver.execute_async_script(
        "const done = arguments[0]; window.breakout.media.stats().then((s) => done(JSON.stringify(s)), (e) => done(JSON.stringify({ error: String(e) })))"))


def growing(browser, feed_ids, kinds=("audio", "video"), within=1.5):
    """Whether, over `within` seconds, bytes of every kind in `kinds` arrived from each of `feed_ids`."""
    before = media_stats(browser)["feeds"]
    time.sleep(within)
    after = media_stats(browser)["feeds"]
    for feed in feed_ids:
        for kind in kinds:
            if after.get(feed, {}).get(kind, 0) <= before.get(feed, {}).get(kind, 0):
                return False
    return True


def silent(browser, feed_ids, kinds, within=1.0):
    """Whether, over `within` seconds, no bytes of `kinds` arrived from any of `feed_ids`."""
    before = media_stats(browser)["feeds"]
    time.sleep(within)
    after = media_stats(browser)["feeds"]
    return all(after.get(feed, {}).get(kind, 0) <= before.get(feed, {}).get(kind, 0) for feed in feed_ids for kind in kinds)


def talking_rooms(cluster):
    people = {}
    scenario = Scenario("media", lambda: list(people.values()))
    ctx = {}
    base = lambda: cluster.balancer.base  # noqa: E731  (known once the cluster started)
    names = ("Ann", "Bob", "Cid", "Dee")

    def host_call(method, path, body=None, node=None):
        return api(node or base(), method, f"/v1/meetings/{ctx['meeting']}{path}", ctx["host"], body)

    def room_of(name):
        return ctx["rooms"][0] if ctx["placed"][name] == 0 else ctx["rooms"][1]

    def roommates(name):
        return {ctx["ids"][other] for other in names if other != name and ctx["placed"][other] == ctx["placed"][name]}

    def media_room_of(name):
        return media_stats(people[name])["room"]

    def arrived(name, kinds):
        """Whether `name`'s page is in its room's media and has received bytes of `kinds` from
        exactly its roommates."""
        stats = media_stats(people[name])
        expected = roommates(name)
        return (stats["room"] == f"room-{room_of(name)}" and set(stats["feeds"]) == expected
                and all(stats["feeds"][feed].get(kind, 0) > 0 for feed in expected for kind in kinds))

    def wait_roommates(name, timeout, kinds=("audio", "video")):
        """Until `name` receives media from exactly its roommates (and its page is in its room),
        and it keeps coming."""
        browser = people[name]
        browser.wait(lambda: arrived(name, kinds), f"{name} in room-{room_of(name)} receiving from {len(roommates(name))} roommates", timeout)
        # The same bound as the arrival: right after a move several pages renegotiate at once, and
        # on this 2-core machine a roommate's frames stalled past 5 s there twice in a day.
        browser.wait(lambda: growing(browser, roommates(name), kinds, 0.5), f"{name}'s media to keep coming", max(5, timeout))

    def cluster_starts():
        cluster.start()
        s, created = api(base(), "POST", "/v1/meetings", body={"title": "Talking rooms", "hostName": "Host"})
        check(s == 201, f"create meeting: {s} {created}")
        ctx.update(meeting=created["meeting"]["id"], code=created["meeting"]["code"], host=created["hostToken"])

    def four_join_in_the_browser():
        for name in names:
            browser = Browser(name.lower(), width=1000, height=800, media=True)
            people[name] = browser
            browser.driver.get(f"{base()}/?code={ctx['code']}")
            form = browser.visible("join-form")
            form.find_element(By.NAME, "displayName").send_keys(name)
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            browser.wait_text("my-location", "main session")
        ctx["ids"] = {name: session_of(people[name])["participantId"] for name in names}
        ctx["tokens"] = {name: session_of(people[name])["token"] for name in names}
        for name in names:
            people[name].wait(lambda: media_room_of(name) == f"main-{ctx['meeting']}", f"{name} in the main session's media")
        # Both nodes served the pages (nginx's round robin), so both nodes' media workers had work.
        answered = cluster.balancer.nodes_that_answered("/v1/meetings")
        check(answered == {n.port for n in cluster.nodes}, f"both nodes answered the pages (only {answered})")

    def two_rooms_open():
        s, created = host_call("POST", "/breakout", {"roomCount": 2, "mode": "manual"})
        check(s == 201, f"create rooms: {s} {created}")
        ctx["rooms"] = [room["id"] for room in created["rooms"]]
        ctx["placed"] = {"Ann": 0, "Bob": 0, "Cid": 1, "Dee": 1}
        for name, index in ctx["placed"].items():
            s, _ = host_call("PUT", f"/breakout/assignments/{ctx['ids'][name]}", {"roomId": ctx["rooms"][index]})
            check(s == 200, f"assign {name}: {s}")
        s, _ = host_call("POST", "/breakout/open", {})
        check(s == 200, f"open: {s}")

    def each_receives_only_its_roommates():
        for name in names:
            wait_roommates(name, 20)
        for name in names:
            feeds = set(media_stats(people[name])["feeds"])
            check(feeds == roommates(name), f"{name} receives {feeds}, not only its roommates {roommates(name)}")

    def media_flows_through_turn_when_only_relays_are_allowed():
        # Ann's page plays one behind a network that lets only TURN through: every path of hers,
        # out and in, is a relay on coturn, with the credentials her node handed out.
        ann = people["Ann"]
        ann.js("window.breakout.media.relayOnly = true; window.breakout.media.joined = undefined; window.breakout.invalidate()")
        ann.wait(lambda: media_stats(ann)["paths"].get("me") == "relay", "Ann publishing through coturn", 15)
        wait_roommates("Ann", 15)
        for other in names:
            if other != "Ann" and ctx["ids"]["Ann"] in roommates(other):
                wait_roommates(other, 15)
        paths = media_stats(ann)["paths"]
        check(paths and all(kind == "relay" for kind in paths.values()), f"Ann's paths: {paths}")
        check(f":{ctx['ids']['Ann']}" in cluster.turn.log(), "coturn saw Ann's time-limited username")
        ann.js("window.breakout.media.relayOnly = false; window.breakout.media.joined = undefined; window.breakout.invalidate()")
        ann.wait(lambda: media_stats(ann)["paths"].get("me") not in (None, "relay"), "Ann off the relay again", 15)

    def janus_is_closed_to_pages():
        # Through the balancer there is no Janus at all.
        for path in ("/janus", "/janus/info"):
            try:
                with urllib.request.urlopen(base() + path, timeout=5) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            check(status == 404, f"{path} through the balancer: {status}")
        # Directly, Janus refuses whoever does not have the nodes' secret.
        refused = JanusAPI.refusal(cluster.janus.url, {"janus": "create"})
        check(refused == 403, f"Janus without the secret: {refused}")
        # And the service's answer carries no Janus address or token.
        s, media = api(base(), "GET", f"/v1/meetings/{ctx['meeting']}/media", ctx["tokens"]["Ann"])
        check(s == 200 and "token" not in media and "url" not in media, f"the media answer carries no secret: {media}")

    def media_follows_a_host_move_within_2_s():
        started = time.time()
        s, _ = host_call("PUT", f"/breakout/assignments/{ctx['ids']['Ann']}", {"roomId": ctx["rooms"][1]})
        check(s == 200, f"move Ann: {s}")
        ctx["placed"]["Ann"] = 1
        people["Ann"].wait(lambda: arrived("Ann", ("video",)), "Ann's media from her new roommates", 3)
        took = time.time() - started
        print(f"    Ann's media followed the move in {took:.2f} s (first video bytes from both new roommates)")
        check(took <= 2, f"media followed in {took:.2f} s")
        wait_roommates("Ann", 5)
        people["Bob"].wait(lambda: ctx["ids"]["Ann"] not in media_stats(people["Bob"])["feeds"], "Ann gone from Bob's media", 3)

    def a_host_mute_stops_audio_at_janus():
        # Ann's page ignores the mute: only Janus can silence her.
        people["Ann"].js("window.breakout.media.obeyHostMute = false")
        cid, ann = people["Cid"], ctx["ids"]["Ann"]
        check(growing(cid, [ann], ("audio",)), "Cid hears Ann before the mute")
        s, _ = host_call("PUT", f"/participants/{ann}/mute", {"muted": True})
        check(s == 200, f"mute Ann: {s}")
        people["Ann"].visible("media-muted-by-host")
        cid.wait(lambda: not growing(cid, [ann], ("audio",), 1.0), "Ann's audio to stop at Cid", 5)
        check(growing(cid, [ann], ("video",)), "Ann's video goes on at Cid")
        check(not growing(people["Dee"], [ann], ("audio",)), "Dee does not hear Ann either")
        # Only a manager in the same room lifts a mute (docs/rules.md, rule 9): the host hops in.
        s, _ = host_call("POST", "/moves", {"roomId": ctx["rooms"][1]})
        check(s == 200, f"the host hops into Ann's room: {s}")
        s, _ = host_call("PUT", f"/participants/{ann}/mute", {"muted": False})
        check(s == 200, f"unmute Ann: {s}")
        s, _ = host_call("POST", "/moves", {"roomId": None})
        check(s == 200, f"the host returns to the main session: {s}")
        people["Ann"].js("window.breakout.media.obeyHostMute = true")
        cid.wait(lambda: growing(cid, [ann], ("audio",), 1.0), "Ann's audio back at Cid", 5)

    def a_page_behind_a_move_is_kicked_and_its_tile_dropped():
        # Dee's page stops following moves (as a page whose live stream is down would): only the
        # service, through Janus, takes her out of the room she left.
        dee, dee_id = people["Dee"], ctx["ids"]["Dee"]
        left_behind = sorted(roommates("Dee"))
        dee.js("window.breakout.media.followMoves = false")
        s, _ = host_call("PUT", f"/breakout/assignments/{dee_id}", {"roomId": ctx["rooms"][0]})
        check(s == 200, f"move Dee: {s}")
        ctx["placed"]["Dee"] = 0
        for name in names:
            if ctx["ids"][name] in left_behind:
                people[name].wait(lambda: dee_id not in media_stats(people[name])["feeds"], f"Dee's tile gone from {name}'s media", 5)
        dee.wait(lambda: silent(dee, left_behind, ("audio", "video")), "Dee's old roommates silent at her page", 5)
        dee.js("window.breakout.media.followMoves = true; window.breakout.invalidate()")
        wait_roommates("Dee", 10)
        for name in names:
            if ctx["ids"][name] in left_behind:
                wait_roommates(name, 10)

    def media_comes_back_after_janus_restarts():
        cluster.janus.kill()
        people["Ann"].wait_text("media-status", "unavailable", 15)
        # Moves go on while Janus is down: commands never wait for it.
        started = time.time()
        s, _ = host_call("PUT", f"/breakout/assignments/{ctx['ids']['Bob']}", {"roomId": ctx["rooms"][1]})
        check(s == 200 and time.time() - started < 1, f"a move with Janus down: {s} in {time.time() - started:.2f} s")
        ctx["placed"]["Bob"] = 1
        s, _ = host_call("PUT", f"/breakout/assignments/{ctx['ids']['Bob']}", {"roomId": ctx["rooms"][0]})
        ctx["placed"]["Bob"] = 0
        cluster.janus.start()
        restarted = time.time()
        for name in names:
            people[name].wait(lambda: arrived(name, ("video",)), f"{name}'s media back", max(0.5, 6 - (time.time() - restarted)))
        took = time.time() - restarted
        print(f"    media back in every page {took:.2f} s after Janus restarted")
        check(took <= 5, f"media came back in {took:.2f} s")
        for name in names:
            wait_roommates(name, 5)

    def allowed_lists_converge_after_a_node_is_killed_mid_move():
        node_a = cluster.nodes[0]
        moves = [("Dee", 0), ("Bob", 1), ("Dee", 1), ("Cid", 0)]

        def send():
            for name, index in moves:
                try:
                    host_call("PUT", f"/breakout/assignments/{ctx['ids'][name]}", {"roomId": ctx["rooms"][index]}, node=node_a.base)
                except Exception:
                    return
        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.05)
        node_a.kill()
        killed = time.time()
        sender.join(10)
        # Where the database says everyone is, asked of the surviving node.
        survivor = cluster.nodes[1].base
        for name in names:
            s, media = api(survivor, "GET", f"/v1/meetings/{ctx['meeting']}/media", ctx["tokens"][name])
            check(s == 200, f"{name}'s media on node B: {s}")
            ctx["placed"][name] = 0 if media["room"] == f"room-{ctx['rooms'][0]}" else 1

        def converged():
            for index, room in enumerate(ctx["rooms"]):
                wanted = {cluster.media_token(ctx["ids"][n]) for n in names if ctx["placed"][n] == index}
                allowed = cluster.allowed(f"room-{room}") or set()
                if allowed - {cluster.derive("media observer")} != wanted:
                    return False
            return True
        people["Ann"].wait(converged, "Janus's allowed lists to match the database", 10)
        # The pages whose signalling was on the dead node connect to the other through the
        # balancer and join again: media back within 3 s of the kill.
        for name in names:
            people[name].wait(lambda: arrived(name, ("video",)), f"{name}'s media back after the kill", 10)
        took = time.time() - killed
        print(f"    media back in every page {took:.2f} s after a node was killed")
        check(took <= 3, f"media came back {took:.2f} s after the kill")
        for name in names:
            wait_roommates(name, 10, kinds=("video",))

    def panel_is_accessible_and_works_by_keyboard():
        ann = people["Ann"]
        ann.check_accessibility("the participant page with audio and video")
        mic = ann.find("media-mic")
        ann.driver.execute_script("arguments[0].focus()", mic)
        mic.send_keys(Keys.SPACE)
        ann.wait(lambda: ann.find("media-mic").get_attribute("aria-pressed") == "false", "the microphone switched off by keyboard")
        ann.find("media-mic").send_keys(Keys.ENTER)
        ann.wait(lambda: ann.find("media-mic").get_attribute("aria-pressed") == "true", "the microphone switched on again")

    def reported(action):
        """The step, and on failure what each page's media panel went through."""
        def run():
            try:
                action()
            except Exception:
                for name, browser in people.items():
                    try:
                        print(f"    {name}'s media: " + browser.js(
                            "const m = window.breakout.media; return JSON.stringify({ room: m.room, problem: m.problem, "
                            "lastError: m.lastError, feeds: [...m.feeds.keys()], trail: m.trail })"))
                    except Exception as error:
                        print(f"    {name}'s media: unknown ({error})")
                # What arrives from whom, twice a second apart: which feed and kind stalled.
                try:
                    before = {name: media_stats(browser) for name, browser in people.items()}
                    time.sleep(1)
                    for name, browser in people.items():
                        after = media_stats(browser)
                        grown = {feed[:8]: {kind: after["feeds"][feed][kind] - before[name]["feeds"].get(feed, {}).get(kind, 0)
                                            for kind in ("audio", "video")} for feed in after["feeds"]}
                        print(f"    {name} received in 1 s: {grown}; sent {after['sent']}; paths {after.get('paths')}")
                except Exception as error:
                    print(f"    statistics unavailable ({error})")
                try:
                    with open(os.path.join(cluster.janus.dir, "janus.log"), errors="replace") as log:
                        print("    Janus's log, last lines:\n      " + "      ".join(log.readlines()[-15:]))
                except OSError:
                    pass
                raise
        return run

    steps = (("Janus, two nodes with media, nginx", cluster_starts),
                         ("four people join in the browser, on both nodes", four_join_in_the_browser),
                         ("two rooms, two people each, open", two_rooms_open),
                         ("each receives media from its roommates only", each_receives_only_its_roommates),
                         ("Janus is closed to pages: not behind the balancer, nothing without the nodes' secret", janus_is_closed_to_pages),
                         ("media flows through coturn when a page allows only relayed paths", media_flows_through_turn_when_only_relays_are_allowed),
                         ("media follows a host's move within 2 s", media_follows_a_host_move_within_2_s),
                         ("a host's mute stops the audio at Janus, the video goes on", a_host_mute_stops_audio_at_janus),
                         ("a page that lags behind a move is taken out by its node, its roommates drop its tile", a_page_behind_a_move_is_kicked_and_its_tile_dropped),
                         ("media comes back after Janus is killed and restarted", media_comes_back_after_janus_restarts),
                         ("a node killed during moves: Janus's allowed lists converge, media back within 3 s", allowed_lists_converge_after_a_node_is_killed_mid_move),
                         ("the media panel passes axe-core and works by keyboard", panel_is_accessible_and_works_by_keyboard))
    return scenario.run([(name, reported(action)) for name, action in steps])


def main():
    cluster = MediaCluster()

    def scenarios():
        print(f"rooms you can talk in: Janus and two nodes with media behind nginx", flush=True)
        yield talking_rooms(cluster)

    return run_scenarios(scenarios, [cluster])


if __name__ == "__main__":
    sys.exit(main())
