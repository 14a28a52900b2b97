"""Browser tests of the web app, in headless Chromium driven by Selenium, against two real
breakoutd nodes on one database: a host on node A; a co-host and two participants on node B, each
in a browser of their own. They walk a whole breakout session; then a host makes a pre-assignment
list by hand and from a Canvas export (preassign_flow.py, on a third node); then rounds of group
work (rooms of 3, new groups twice, same as last time) and the attendance download
(rounds_flow.py, on a node of its own); then a console with
1000 participants and 50 rooms is checked for staying usable; last, campus sign-in at a real
OpenID Connect provider, on two more nodes behind nginx (signin_flow.py); then audio and video in
the rooms, on Janus, with four browsers on two more nodes behind nginx (media_flow.py).

Run by scripts/test (with DATABASE_URL and BREAKOUTD_BIN set). Prints one line per step and a
closing `browser: N passed, N failed` line; exits non-zero on any failure. A failing step saves a
screenshot and the console log of every browser into a folder under BROWSER_ARTIFACTS (or a
temporary folder), printed at the end.
"""

import concurrent.futures
import json
import os
import sys
import tempfile
import time
import traceback

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from support import AccessibilityViolations, Browser, Node, api

ARTIFACTS = os.environ.get("BROWSER_ARTIFACTS") or tempfile.mkdtemp(prefix="breakout-browser-")


class Scenario:
    """Ordered steps sharing state; after a failure the remaining steps are skipped, except after an
    accessibility check's: the steps that follow do not depend on it."""

    def __init__(self, name, browsers):
        self.name = name
        self.browsers = browsers
        self.passed = self.failed = self.skipped = 0
        self.broken = False

    def step(self, name, action):
        if self.broken:
            self.skipped += 1
            print(f"  - {name} (skipped after an earlier failure)")
            return
        started = time.time()
        try:
            action()
            self.passed += 1
            print(f"  ✔ {name} ({time.time() - started:.1f} s)", flush=True)
        except AccessibilityViolations as error:  # every violation, one per line
            self.failed += 1
            print(f"  ✘ {name}: {error}", flush=True)
            self.save_artifacts(name)
        except Exception as error:  # a failed assertion, a time-out, a browser error
            self.failed += 1
            self.broken = True
            print(f"  ✘ {name}: {str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}", flush=True)
            traceback.print_exc(limit=3)
            self.save_artifacts(name)

    def save_artifacts(self, step):
        folder = os.path.join(ARTIFACTS, self.name)
        for browser in self.browsers():
            stem = browser.save_artifacts(folder, step.replace(" ", "-").replace("/", "-")[:60])
            print(f"    saved {stem}.png and .console.log")

    def run(self, steps):
        """Runs the (name, action) steps in order, then quits the scenario's browsers however the
        steps ended; returns the scenario."""
        try:
            for name, action in steps:
                self.step(name, action)
        finally:
            for browser in self.browsers():
                browser.quit()
        return self


def run_scenarios(scenarios, nodes):
    """Runs the generator `scenarios()` to its end, each scenario it yields having run; stops
    `nodes` however that ends. A failure outside every step (a node that would not start) counts
    one failed "setup". Prints the closing `browser: …` line scripts/test counts; returns the exit
    status."""
    done = []
    try:
        for scenario in scenarios():
            done.append(scenario)
    except Exception as error:
        traceback.print_exc()
        print(f"browser tests could not run: {error}")
        broken = Scenario("setup", lambda: [])
        broken.failed = 1
        done.append(broken)
    finally:
        for node in nodes:
            node.stop()
    passed = sum(s.passed for s in done)
    failed = sum(s.failed for s in done)
    skipped = sum(s.skipped for s in done)
    if failed:
        print(f"browser test artifacts (screenshots, console logs): {ARTIFACTS}")
    print(f"browser: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed or skipped else 0


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def create_rooms(host, count, mode, hint=None):
    """Creates rooms in the host's create form: `count` of them, people assigned by `mode`
    (automatic, manual, self_select, preassigned), once the form's hint says `hint` if given."""
    field = host.find("room-count")
    field.clear()
    field.send_keys(str(count))
    host.click(f"mode-{mode}")
    if hint:
        host.wait_text("create-hint", hint)
    host.click("create-rooms")


def session_of(browser):
    """The meeting this tab is in (sessionStorage)."""
    return json.loads(browser.js("return sessionStorage.getItem('breakout.session')") or "null")


def kept_in_browser(browser, meeting_id):
    """The meeting as this browser keeps it beyond the tab (localStorage): the first of its people."""
    return json.loads(browser.js("""const key = Object.keys(localStorage).find((k) => k.startsWith('breakout.meeting.' + arguments[0] + '.'));
        return key ? localStorage.getItem(key) : null""", meeting_id) or "null")


def close_tab_and_reopen(browser, url):
    """Closes the browser's tab and opens `url` in a new one, as a person who closed the tab and came
    back: same profile (so the same localStorage), a new tab's empty sessionStorage."""
    old = browser.driver.current_window_handle
    browser.driver.switch_to.new_window("tab")
    new = browser.driver.current_window_handle
    browser.driver.switch_to.window(old)
    browser.driver.close()
    browser.driver.switch_to.window(new)
    browser.driver.get(url)
    check(session_of(browser) is None, "a new tab starts with no meeting of its own")


def state_matches_server(browser, base):
    """The page's state (snapshot + applied events) equals a fresh snapshot, as in EventReplayTests."""
    saved = session_of(browser)
    status, fresh = api(base, "GET", f"/v1/meetings/{saved['meetingId']}", token=saved["token"])
    check(status == 200, f"snapshot answered {status}")
    mine = json.loads(browser.js("return JSON.stringify(window.breakout.state.toSnapshot())"))
    by_id = lambda s: {p["id"]: p for p in s["participants"]}
    requests = lambda s: {r["id"]: r for r in s.get("helpRequests", [])}
    same = (mine["breakout"] == fresh["breakout"] and by_id(mine) == by_id(fresh)
            and requests(mine) == requests(fresh) and mine["you"] == fresh["you"])
    if not same:
        state_matches_server.last_difference = {
            "breakout": mine["breakout"] == fresh["breakout"],
            "participants": [(i, p, by_id(fresh).get(i)) for i, p in by_id(mine).items() if by_id(fresh).get(i) != p][:3],
            "helpRequests": requests(mine) == requests(fresh), "you": (mine["you"], fresh["you"])}
    return same


def write_file(name, text):
    path = os.path.join(ARTIFACTS, name)
    os.makedirs(ARTIFACTS, exist_ok=True)
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


# MARK: The whole session with three kinds of people


def breakout_session(node_a, node_b):
    people = {}
    scenario = Scenario("session", lambda: list(people.values()))
    ctx = {}

    def open_browsers():
        people["host"] = Browser("host")
        people["cohost"] = Browser("cohost")
        people["ada"] = Browser("ada", width=420, height=860)  # a phone
        people["grace"] = Browser("grace")

    def start_page_is_accessible():
        host = people["host"]
        host.driver.get(node_a.base + "/")
        host.visible("create-form")
        host.check_accessibility("the start page")

    def host_creates_meeting():
        host = people["host"]
        host.driver.get(node_a.base + "/")
        form = host.visible("create-form")
        form.find_element("name", "title").send_keys("Seminar week 3")
        form.find_element("name", "hostName").send_keys("Dr. Lovelace")
        form.find_element("css selector", "button[type=submit]").click()
        code = host.visible("join-code").text
        check(len(code) == 10, f"join code {code!r}")
        ctx["code"] = code
        link = host.find("join-link").get_attribute("href")
        check(link.endswith(f"/?code={code}"), f"join link {link}")
        host.wait_text("connection", "Live")
        host.wait_text("status-text", "not set up yet")
        ctx["meeting"] = session_of(host)["meetingId"]
        check(kept_in_browser(host, ctx["meeting"])["token"] == session_of(host)["token"], "the host's token kept in the browser")

    def join_form_is_accessible():
        ada = people["ada"]
        ada.driver.get(f"{node_b.base}/?code={ctx['code']}")
        ada.visible("join-form")
        ada.check_accessibility("the join form (a phone)")

    def others_join_on_node_b():
        for key, name, email in (("cohost", "Casey", "casey@uni.example"), ("ada", "Ada", "ada@uni.example"),
                                 ("grace", "Grace", "Grace@Uni.example")):
            browser = people[key]
            browser.driver.get(f"{node_b.base}/?code={ctx['code']}")
            form = browser.visible("join-form")
            check(form.find_element("name", "code").get_attribute("value") == ctx["code"], "code prefilled from the link")
            form.find_element("name", "displayName").send_keys(name)
            form.find_element("name", "email").send_keys(email)
            form.find_element("css selector", "button[type=submit]").click()
            browser.wait_text("my-location", "main session")
            browser.wait_text("connection", "Live")
        host = people["host"]
        host.wait(lambda: host.count("person") == 4, "four people in the host's list")

    def reload_keeps_the_person():
        ada = people["ada"]
        before = session_of(ada)["participantId"]
        ada.driver.refresh()
        ada.wait_text("who", "Ada")
        ada.wait_text("my-location", "main session")
        after = ada.js("return window.breakout.state.you.participantId")
        check(after == before, f"the same participant after a reload: {before} then {after}")

    def participant_comes_back_after_closing_the_tab():
        grace = people["grace"]
        before = session_of(grace)["participantId"]
        close_tab_and_reopen(grace, node_b.base + "/")
        item = grace.card("my-meeting", "Seminar week 3")
        check("Participant · Grace" in item.text, f"the list says who Grace is: {item.text!r}")
        grace.check_accessibility("the start page with your meetings")
        grace.click("my-meeting-open", within=item)
        grace.wait_text("my-location", "main session")
        grace.wait_text("connection", "Live")
        after = grace.js("return window.breakout.state.you.participantId")
        check(after == before, f"the same participant after closing the tab: {before} then {after}")
        people["host"].wait(lambda: people["host"].count("person") == 4, "still four people in the host's list")

    def host_comes_back_after_closing_the_tab():
        host = people["host"]
        close_tab_and_reopen(host, node_a.base + "/")
        item = host.card("my-meeting", "Seminar week 3")
        check(f"Host · Dr. Lovelace · code {ctx['code']}" in item.text, f"the list says who the host is: {item.text!r}")
        host.click("my-meeting-open", within=item)
        host.wait(lambda: host.text_of("join-code") == ctx["code"], "the console of the same meeting")
        host.wait_text("who", "Dr. Lovelace · Host")
        host.wait_text("connection", "Live")
        host.wait(lambda: host.count("person") == 4, "four people in the host's list")

    def host_link_makes_another_browser_host():
        host = people["host"]
        link = host.visible("host-link").get_attribute("href")
        check(link.startswith(f"{node_a.base}/?code={ctx['code']}#"), f"host link {link}")
        check(f"host={session_of(host)['token']}" in link, "the host link carries the host's token in its fragment")
        elsewhere = Browser("host-elsewhere")
        try:
            elsewhere.driver.get(link)
            elsewhere.wait(lambda: elsewhere.text_of("join-code") == ctx["code"], "the console from the host link")
            elsewhere.wait_text("who", "Dr. Lovelace · Host")
            check(elsewhere.driver.current_url == node_a.base + "/", f"the token left the address bar: {elsewhere.driver.current_url}")
            check(kept_in_browser(elsewhere, ctx["meeting"]) is not None, "the meeting kept in the second browser")
            elsewhere.visible("host-link")
        finally:
            elsewhere.quit()

    def host_appoints_cohost():
        host = people["host"]
        row = host.card("person", "Casey")
        host.click("cohost-toggle", within=row)
        cohost = people["cohost"]
        cohost.visible("rooms-panel", "the co-host's console")
        cohost.wait_text("who", "Co-host")
        check(not cohost.displayed("host-link"), "a co-host is shown no host link")

    def host_uploads_csv():
        host = people["host"]
        bad = write_file("bad.csv", "Pre-assign Room Name,Email Address\r\nGroup A,ada@uni.example\r\nGroup B,\r\n,x@uni.example\r\n")
        host.find("preassign-file").send_keys(bad)
        host.visible("preassign-errors")
        host.wait_text("preassign-errors", "Line 3")
        host.wait_text("preassign-errors", "Line 4")
        good = write_file("good.csv", "\ufeffPre-assign Room Name,Email Address\r\nGroup A,ADA@uni.example\r\n\"Group B\",grace@uni.example\r\n")
        host.find("preassign-file").send_keys(good)
        host.wait_text("preassign-summary", "2 people in 2 rooms; 2 have joined")
        host.hidden("preassign-errors")

    def host_creates_preassigned_rooms():
        host = people["host"]
        create_rooms(host, 3, "preassigned", hint="Your list names 2 rooms")
        host.wait(lambda: host.count("room-card") == 3, "three room cards")
        host.card("room-card", "Group A")
        host.card("room-card", "Breakout room 3")
        ada_row = host.card("person", "Ada")
        select = Select(host.find("assign-select", within=ada_row))
        check(select.first_selected_option.text == "Group A", f"Ada assigned to {select.first_selected_option.text}")
        people["cohost"].card("room-card", "Group B")
        people["ada"].wait_text("place-hint", "you will go to Group A")

    def rename_a_room():
        host = people["host"]
        card = host.card("room-card", "Group B")
        host.click("rename-room", within=card)
        field = host.visible("rename-input")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("Group Beta", Keys.ENTER)
        host.card("room-card", "Group Beta")
        people["cohost"].card("room-card", "Group Beta")
        people["grace"].wait_text("place-hint", "Group Beta")

    def set_options():
        host = people["host"]
        move = host.find("opt-move")
        check(move.is_selected(), "move automatically is on by default")
        move.click()
        host.wait(lambda: host.js("return window.breakout.state.breakout.options.moveAutomatically") is False, "moveAutomatically off")
        minutes = host.find("opt-minutes")
        minutes.send_keys(Keys.CONTROL, "a")
        minutes.send_keys("10")
        host.find("opt-auto-close").click()
        host.wait(lambda: host.js("return window.breakout.state.breakout.options.timerSeconds") == 600, "a 10-minute timer")
        seconds = host.find("opt-seconds")
        seconds.send_keys(Keys.CONTROL, "a")
        seconds.send_keys("4", Keys.TAB)
        host.wait(lambda: host.js("return window.breakout.state.breakout.options.closeCountdownSeconds") == 4, "a 4-second countdown")
        cohost = people["cohost"]
        cohost.wait(lambda: not cohost.find("opt-move").is_selected() and cohost.find("opt-auto-close").is_selected(),
                    "the co-host's options follow")

    def open_all_rooms():
        host = people["host"]
        host.click("open-all")
        host.wait_text("status-text", "Breakout Rooms – In Progress")
        host.wait_text("status-time", "left")
        people["cohost"].wait_text("status-text", "Breakout Rooms – In Progress")
        people["ada"].wait_text("timer", "Time left")

    def participants_join_from_the_prompt():
        for key, room in (("ada", "Group A"), ("grace", "Group Beta")):
            browser = people[key]
            browser.wait_text("move-prompt-text", f"The host is inviting you to join: {room}")
            browser.click("prompt-join")
            browser.wait_text("my-location", f"You are in {room}")
            browser.hidden("move-prompt")
        host = people["host"]
        host.wait_text("room-cards", "1 here")

    def broadcast_reaches_everyone():
        host = people["host"]
        box = host.find("broadcast-message")
        # ChromeDriver types characters of the Basic Multilingual Plane only: the emoji comes by script.
        box.send_keys("Five minutes left ")
        host.js("arguments[0].value += '👋'; arguments[0].dispatchEvent(new Event('input'))", box)
        host.wait_text("broadcast-counter", "19/140")
        host.click("broadcast-send")
        for key in ("ada", "grace", "cohost"):
            people[key].wait_text("broadcast", "Five minutes left 👋")
        check(box.get_attribute("value") == "", "the message box is cleared")

    def console_with_rooms_open_is_accessible():
        people["host"].check_accessibility("the host's console, rooms open")

    def participant_view_is_accessible():
        people["ada"].check_accessibility("the participant's view in a room (a phone)")

    def cohost_hops_rooms():
        cohost = people["cohost"]
        cohost.click("join-room", within=cohost.card("room-card", "Group A"))
        cohost.wait_text("my-location", "Group A")
        people["ada"].wait_text("with-me", "Casey")
        cohost.click("join-room", within=cohost.card("room-card", "Group Beta"))
        cohost.wait_text("my-location", "Group Beta")
        people["grace"].wait_text("with-me", "Casey")
        cohost.click("leave-room")
        cohost.wait_text("my-location", "Main session")
        people["host"].wait(lambda: "Casey" not in people["grace"].text_of("with-me"), "Casey gone from Grace's room")

    def help_is_asked_and_taken():
        grace = people["grace"]
        grace.click("ask-for-help")
        grace.wait_text("help-status", "You asked for help")
        host = people["host"]
        request = host.card("help-request", "Grace in Group Beta")
        people["cohost"].card("help-request", "Grace in Group Beta")
        host.click("help-take", within=request)
        host.wait_text("my-location", "Group Beta")
        grace.wait_text("help-status", "Dr. Lovelace is coming to help you")
        host.card("help-request", "taken by you")
        host.click("help-resolve", within=host.card("help-request", "Grace"))
        host.wait(lambda: not host.find_all("help-request"), "the queue to empty")

    def mute_and_unmute_all():
        host = people["host"]
        host.click("mute-toggle", within=host.card("person", "Grace"))
        people["grace"].visible("muted", "Grace sees she is muted")
        host.click("unmute-all")
        people["grace"].hidden("muted", "Grace's mute to be lifted")

    def a_lost_connection_is_shown_and_recovered():
        ada = people["ada"]
        node_b.kill()
        ada.visible("connection-banner", "the lost-connection banner", timeout=30)
        # A change while node B is down reaches Ada after it is back.
        host = people["host"]
        host.click("rename-room", within=host.card("room-card", "Breakout room 3"))
        field = host.visible("rename-input")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("Quiet corner", Keys.ENTER)
        host.card("room-card", "Quiet corner")
        node_b.start()
        ada.hidden("connection-banner", "the banner to go once reconnected", timeout=40)
        ada.wait_text("connection", "Live")
        ada.wait(lambda: ada.js("return window.breakout.state.breakout.rooms.map(r => r.name).join()").find("Quiet corner") >= 0,
                 "the rename made while away", timeout=20)

    def every_window_agrees_with_the_server():
        for key, browser in people.items():
            base = node_a.base if key == "host" else node_b.base
            try:
                browser.wait(lambda: state_matches_server(browser, base), f"{key}'s state to equal a fresh snapshot", timeout=20)
            except Exception:
                print(f"    difference: {getattr(state_matches_server, 'last_difference', None)}")
                raise

    def close_with_countdown():
        host = people["host"]
        host.click("close-all")
        host.wait_text("status-text", "closing")
        people["ada"].wait_text("timer", "Breakout rooms close in")
        people["grace"].wait_text("timer", "You will return to the main session")
        for key in ("ada", "grace"):
            people[key].wait_text("my-location", "main session", timeout=30)
        host.wait_text("status-text", "ready", timeout=30)
        host.wait_text("my-location", "Main session")
        people["cohost"].wait_text("status-text", "ready")
        people["ada"].wait_text("closed-notice", "back in the main session")

    def recreate_rooms():
        host = people["host"]
        host.click("recreate")
        host.click("recreate")  # the second click confirms
        host.visible("create-rooms-form")
        people["cohost"].visible("create-rooms-form")
        people["ada"].wait_text("place-hint", "not set up breakout rooms yet")
        create_rooms(host, 2, "automatic")
        host.wait(lambda: host.count("room-card") == 2, "two new rooms")
        people["ada"].wait_text("place-hint", "you will go to Breakout room")

    def host_removes_a_participant():
        host = people["host"]
        row = host.card("person", "Grace")
        host.click("remove-person", within=row)
        host.click("remove-person", within=row)  # the second click confirms
        people["grace"].wait_text("start-message", "The host removed you from the meeting")
        host.wait(lambda: host.count("person") == 3, "three people left in the host's list")
        check(session_of(people["grace"]) is None, "Grace's session is forgotten")
        check(kept_in_browser(people["grace"], ctx["meeting"]) is None, "and so is the meeting in her browser")

    steps = [
        ("four browsers start", open_browsers),
        ("accessibility: the start page", start_page_is_accessible),
        ("host creates a meeting on node A", host_creates_meeting),
        ("accessibility: the join form", join_form_is_accessible),
        ("co-host and participants join on node B from the join link", others_join_on_node_b),
        ("a reload returns the same person", reload_keeps_the_person),
        ("a participant closes the tab and comes back as the same person", participant_comes_back_after_closing_the_tab),
        ("host closes the tab and comes back from the start page", host_comes_back_after_closing_the_tab),
        ("the private host link makes another browser the host", host_link_makes_another_browser_host),
        ("host appoints a co-host", host_appoints_cohost),
        ("host uploads a CSV: bad lines shown, then a good list", host_uploads_csv),
        ("host creates pre-assigned rooms", host_creates_preassigned_rooms),
        ("host renames a room, everyone sees it", rename_a_room),
        ("host sets options", set_options),
        ("host opens all rooms", open_all_rooms),
        ("participants join from the prompt", participants_join_from_the_prompt),
        ("a broadcast appears in every window", broadcast_reaches_everyone),
        ("accessibility: the host's console with rooms open", console_with_rooms_open_is_accessible),
        ("accessibility: the participant's view", participant_view_is_accessible),
        ("co-host hops between rooms", cohost_hops_rooms),
        ("participant asks for help, host takes it", help_is_asked_and_taken),
        ("host mutes, then unmutes all", mute_and_unmute_all),
        ("a lost connection is shown and recovered", a_lost_connection_is_shown_and_recovered),
        ("every window's state equals the server's", every_window_agrees_with_the_server),
        ("close all rooms with a countdown: everyone back in main", close_with_countdown),
        ("recreate rooms", recreate_rooms),
        ("host removes a participant, who is told so", host_removes_a_participant),
    ]
    return scenario.run(steps)


# MARK: A lecture: 1000 participants, 50 rooms


def big_meeting(node_a):
    holder = {}
    scenario = Scenario("big-meeting", lambda: [holder["host"]] if "host" in holder else [])
    ctx = {}

    def set_up_meeting():
        status, created = api(node_a.base, "POST", "/v1/meetings", body={"title": "Lecture", "hostName": "Prof"})
        check(status == 201, f"create answered {status}")
        ctx.update(meeting=created["meeting"]["id"], code=created["meeting"]["code"], token=created["hostToken"],
                   host=created["participantId"])

        def join(i):
            s, _ = api(node_a.base, "POST", "/v1/meetings/join",
                       body={"code": ctx["code"], "displayName": f"Student {i:04d}", "email": f"s{i}@uni.example"})
            return s

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(join, range(1000)))
        check(statuses.count(201) == 1000, f"joins: {statuses.count(201)} of 1000")
        path = f"/v1/meetings/{ctx['meeting']}"
        status, _ = api(node_a.base, "POST", path + "/breakout", token=ctx["token"], body={"roomCount": 50, "mode": "automatic"})
        check(status == 201, f"create rooms answered {status}")

    def console_loads():
        host = holder["host"] = Browser("lecture-host")
        host.driver.get(node_a.base + "/")
        host.js("sessionStorage.setItem('breakout.session', arguments[0])",
                json.dumps({"meetingId": ctx["meeting"], "token": ctx["token"], "participantId": ctx["host"]}))
        started = time.time()
        host.driver.refresh()
        # Counted in the page: WebDriver's own text and visibility checks are slow on a page this size.
        host.wait(lambda: host.js("return document.querySelectorAll('[data-testid=room-card]').length") == 50,
                  "50 room cards", timeout=30)
        host.wait(lambda: "Participants (1001)" in host.js("return document.querySelector('[data-testid=people-panel] h2').textContent"),
                  "Participants (1001)")
        loaded = time.time() - started
        total = host.js("""return [...document.querySelectorAll('[data-testid=room-card]')]
            .map(c => parseInt(c.querySelector('[data-testid=room-count-badge]').textContent)).reduce((a, b) => a + b, 0)""")
        check(total == 1000, f"room counts add up to {total}")
        shown = len(host.find_all("person"))
        check(shown <= 300, f"{shown} rows drawn at once (a page at most)")
        stats = host.js("return window.breakout.renderStats")
        print(f"    console ready in {loaded:.1f} s, {shown} rows drawn, slowest render {stats['maxMs']:.0f} ms")
        check(loaded < 15, f"the console took {loaded:.1f} s to show the lecture")

    def filter_finds_one():
        host = holder["host"]
        box = host.find("people-filter")
        started = time.time()
        box.send_keys("Student 0777")
        host.wait(lambda: len(host.find_all("person")) == 1, "one row for Student 0777", timeout=5)
        check("Student 0777" in host.find("person").text, "the right row")
        print(f"    filtered in {time.time() - started:.2f} s")
        box.clear()
        box.send_keys(Keys.BACKSPACE)

    def a_burst_of_events_is_drawn_in_batches():
        host = holder["host"]
        host.js("window.breakout.renderStats = {count: 0, maxMs: 0, totalMs: 0}")
        path = f"/v1/meetings/{ctx['meeting']}"
        status, _ = api(node_a.base, "PATCH", path + "/breakout/options", token=ctx["token"],
                        body={"allowChooseRoom": True})
        check(status == 200, f"options answered {status}")
        status, _ = api(node_a.base, "POST", path + "/breakout/open", token=ctx["token"])
        check(status == 200, f"open answered {status}")
        seq_before = host.js("return window.breakout.state.seq")
        status, snapshot = api(node_a.base, "GET", path, token=ctx["token"])
        rooms = [r["id"] for r in snapshot["breakout"]["rooms"]]
        students = [p["id"] for p in snapshot["participants"] if p["role"] == "participant"][:300]

        def reassign(index):
            return api(node_a.base, "PUT", f"{path}/breakout/assignments/{students[index]}", token=ctx["token"],
                       body={"roomId": rooms[(index + 7) % len(rooms)]})[0]

        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(reassign, range(len(students))))
        check(statuses.count(200) == len(students), f"reassignments: {statuses.count(200)} of {len(students)}")
        _, final = api(node_a.base, "GET", path, token=ctx["token"])
        host.wait(lambda: host.js("return window.breakout.state.seq") >= final["seq"], "every event applied", timeout=30)
        host.wait(lambda: state_matches_server(host, node_a.base), "state equal to a fresh snapshot", timeout=20)
        stats = host.js("return window.breakout.renderStats")
        events = final["seq"] - seq_before
        print(f"    {events} events drawn in {stats['count']} renders, slowest {stats['maxMs']:.0f} ms")
        check(stats["count"] < events, f"{stats['count']} renders for {events} events: not batched")
        check(stats["maxMs"] < 1000, f"a render took {stats['maxMs']:.0f} ms")

    return scenario.run((("1000 people join, 50 rooms", set_up_meeting),
                         ("the console loads and shows every room's count", console_loads),
                         ("the name filter finds one person among 1000", filter_finds_one),
                         ("a burst of 600 events is drawn in batches", a_burst_of_events_is_drawn_in_batches)))


def main():
    from preassign_flow import LOGIN_DOMAIN, node_with_login_domain, preassign_by_hand_and_canvas
    from rounds_flow import rounds_and_attendance
    from signin_flow import SignInCluster, campus_sign_in
    from media_flow import MediaCluster, talking_rooms
    node_a = Node("web-a")
    node_b = Node("web-b")
    node_c = node_with_login_domain()
    node_rounds = Node("web-rounds")
    signin = SignInCluster()
    media = MediaCluster()

    def scenarios():
        node_a.start()
        node_b.start()
        print(f"browser tests: node A {node_a.base}, node B {node_b.base}", flush=True)
        print("session: a host on node A, a co-host and two participants on node B", flush=True)
        yield breakout_session(node_a, node_b)
        node_c.start()
        print(f"pre-assignment by hand and from Canvas (node C, BREAKOUT_LOGIN_DOMAIN={LOGIN_DOMAIN})", flush=True)
        yield preassign_by_hand_and_canvas(node_c)
        node_rounds.start()
        print(f"rounds of group work and attendance (node {node_rounds.base})", flush=True)
        yield rounds_and_attendance(node_rounds)
        print("big meeting: 1000 participants, 50 rooms", flush=True)
        yield big_meeting(node_a)
        print(f"campus sign-in: two nodes behind nginx, the provider at {os.environ.get('BREAKOUT_TEST_OIDC_ISSUER', '(none)')}", flush=True)
        yield campus_sign_in(signin)
        print("rooms you can talk in: Janus and two nodes with media behind nginx, four browsers with a fake camera and microphone", flush=True)
        yield talking_rooms(media)

    return run_scenarios(scenarios, [node_a, node_b, node_c, node_rounds, signin, media])


if __name__ == "__main__":
    sys.exit(main())
