"""Browser test of rounds of group work in the console: rooms of 3, two rotations ("New groups",
with the rotation's summary), "Same as last time", each opened and closed; after closing, the
console keeps showing the last groups until new rooms are made; last, "Download attendance (CSV)"
saves a file that holds every stay of every round, the same bytes the API answers.

Part of web_flow.py's run (scripts/test), on a node of its own; runs alone too, with DATABASE_URL
(and BREAKOUTD_BIN) set: `python3 Tests/browser/rounds_flow.py`.
"""

import csv
import io
import os
import sys
import tempfile

from support import Browser, Node, api
from web_flow import Scenario, check, run_scenarios, session_of

STUDENTS = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Bjørn"]


def rounds_and_attendance(node):
    holder = {}
    scenario = Scenario("rounds", lambda: list(holder.values()))
    ctx = {"downloads": tempfile.mkdtemp(prefix="breakout-downloads-")}

    def token_and_path():
        saved = session_of(holder["host"])
        return saved["token"], f"/v1/meetings/{saved['meetingId']}"

    def groups_in_cards(host):
        """{room name: sorted names} as the room cards show them (the assigned people, or who is in)."""
        found = {}
        for card in host.displayed("room-card"):
            name = card.find_element("css selector", ".room-name").text
            members = card.find_element("css selector", ".members").text
            found[name] = sorted(n.strip() for n in members.split(",") if n.strip() and "Nobody" not in n)
        return found

    def last_groups(host):
        found = {}
        for item in host.displayed("last-group"):
            room, _, names = item.text.partition(":")
            found[room.strip()] = sorted(n.strip() for n in names.split(",") if n.strip())
        return found

    def create(host, mode, size=None):
        host.click(f"mode-{mode}")
        if size is not None:
            host.click("rooms-by-size")
            field = host.find("room-size")
            field.clear()
            field.send_keys(str(size))
        host.click("create-rooms")
        host.wait(lambda: host.count("room-card") >= 1, f"rooms made ({mode})")

    def open_and_close(host):
        token, path = token_and_path()
        status, _ = api(node.base, "PATCH", f"{path}/breakout/options", token=token, body={"closeCountdownSeconds": 0})
        check(status == 200, f"countdown 0: {status}")
        host.click("open-all")
        host.wait_text("status-text", "Breakout Rooms – In Progress")
        host.wait(lambda: sum(len(v) for v in groups_in_cards(host).values()) == len(STUDENTS), "everyone in a room")
        ctx["last"] = groups_in_cards(host)
        host.click("close-all")
        host.wait_text("status-text", "Breakout rooms ready")

    def recreate(host):
        host.click("recreate")
        host.click("recreate")  # the second click confirms
        host.visible("create-rooms-form")

    def host_and_students():
        host = holder["host"] = Browser("rounds-host")
        host.driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": ctx["downloads"]})
        host.driver.get(node.base + "/")
        form = host.visible("create-form")
        form.find_element("name", "title").send_keys("Weekly seminar")
        form.find_element("name", "hostName").send_keys("Teacher")
        form.find_element("css selector", "button[type=submit]").click()
        ctx["code"] = host.visible("join-code").text
        host.wait_text("connection", "Live")
        for name in STUDENTS:
            status, _ = api(node.base, "POST", "/v1/meetings/join", body={"code": ctx["code"], "displayName": name})
            check(status == 201, f"{name} could not join: {status}")
        host.wait(lambda: host.count("person") == len(STUDENTS) + 1, "six students in the host's list")

    def rooms_of_three():
        host = holder["host"]
        host.click("rooms-by-size")
        field = host.find("room-size")
        field.clear()
        field.send_keys("3")
        host.wait_text("create-hint", "2 rooms of about 3")
        host.check_accessibility("the create form with rooms of N")
        create(host, "automatic")
        host.wait(lambda: host.count("room-card") == 2, "two rooms of three")
        check(all(len(v) == 3 for v in groups_in_cards(host).values()), f"three in each room: {groups_in_cards(host)}")
        open_and_close(host)
        ctx["rounds"] = [ctx["last"]]

    def last_groups_stay_after_closing():
        host = holder["host"]
        host.visible("last-groups", "the last groups after closing")
        host.wait(lambda: last_groups(host) == ctx["last"], f"the last groups {ctx['last']} (shown: {last_groups(host)})")
        check("round 1" in host.text_of("last-groups"), "the last groups name their round")
        recreate(host)
        host.wait(lambda: last_groups(host) == ctx["last"], "the last groups still shown with no rooms")

    def rotate(label):
        def step():
            host = holder["host"]
            create(host, "rotate", size=3)
            host.hidden("last-groups", "the last groups gone once new rooms are made")
            summary = host.visible("rotation-summary").text
            check("random split would have had" in summary, f"the rotation's summary: {summary!r}")
            ctx.setdefault("summaries", []).append(summary)
            before = ctx["rounds"][-1]
            now = groups_in_cards(host)
            check(len(now) == 2, f"two rooms of three: {now}")
            # Six people in rooms of three cannot all meet new people (three in a room, two earlier
            # groups): the rotation splits every earlier group instead.
            check(all(set(g) not in [set(b) for b in before.values()] for g in now.values()),
                  f"no group of the last round again: {before} then {now}")
            open_and_close(host)
            ctx["rounds"].append(ctx["last"])
            host.wait(lambda: last_groups(host) == ctx["last"], "the last groups after the rotation")
            recreate(host)
        return step

    def same_as_last_time():
        host = holder["host"]
        host.click("mode-keep")
        host.visible("keep-note")
        check(not host.find("room-count").is_enabled() and not host.find("room-size").is_enabled(),
              "same as last time takes no number")
        host.check_accessibility("the create form, same as last time, with the last groups")
        host.click("create-rooms")
        host.wait(lambda: groups_in_cards(host) == ctx["rounds"][-1],
                  f"the same groups as last time {ctx['rounds'][-1]} (cards: {groups_in_cards(host)})")
        open_and_close(host)
        ctx["rounds"].append(ctx["last"])
        host.visible("last-groups")
        check("round 4" in host.text_of("last-groups"), "round 4 shown")
        host.wait(lambda: last_groups(host) == ctx["rounds"][-1], "the last groups after same as last time")

    def download_attendance():
        host = holder["host"]
        host.click("download-attendance")
        path = os.path.join(ctx["downloads"], f"attendance-{ctx['code']}.csv")
        host.wait(lambda: os.path.exists(path) and os.path.getsize(path) > 0, f"the download at {path}")
        with open(path, "rb") as f:
            saved = f.read()
        check(saved.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark")
        token, api_path = token_and_path()
        served = host.driver.execute_async_script("""
            const [path, token, done] = arguments;
            fetch(path, { headers: { Authorization: 'Bearer ' + token, Accept: 'text/csv' } })
              .then((r) => r.arrayBuffer()).then((b) => done(Array.from(new Uint8Array(b))), (e) => done('failed: ' + e));""",
            api_path + "/attendance", token)
        check(bytes(served) == saved, "the file holds what the API answers")
        rows = list(csv.DictReader(io.StringIO(saved.decode("utf-8-sig"), newline="")))
        check(len(rows) == 4 * len(STUDENTS), f"one stay per student per round: {len(rows)} rows")
        for round_number, groups in enumerate(ctx["rounds"], start=1):
            got = {}
            for row in rows:
                if row["round"] == str(round_number):
                    got.setdefault(row["roomName"], []).append(row["displayName"])
            check({k: sorted(v) for k, v in got.items()} == groups, f"round {round_number}: {got} vs {groups}")
        check(all(row["to"] and int(row["seconds"]) >= 0 for row in rows), "every stay has ended")
        check(any(row["displayName"] == "Bjørn" for row in rows), "UTF-8 names")

    steps = (("host creates a meeting, six students join", host_and_students),
             ("rooms of 3: two rooms of three, opened and closed", rooms_of_three),
             ("after closing the last groups stay, also once the rooms are discarded", last_groups_stay_after_closing),
             ("New groups (1): every earlier group split up, the summary shown", rotate("first")),
             ("New groups (2): again, the summary shown", rotate("second")),
             ("Same as last time: the groups of the last round again", same_as_last_time),
             ("Download attendance (CSV): every stay of the four rounds, as the API answers", download_attendance))
    return scenario.run(steps)


def main():
    node = Node("web-rounds")

    def scenarios():
        node.start()
        print(f"rounds and attendance: node {node.base}", flush=True)
        yield rounds_and_attendance(node)

    return run_scenarios(scenarios, [node])


if __name__ == "__main__":
    sys.exit(main())
