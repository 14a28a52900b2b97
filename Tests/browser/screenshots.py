"""Screenshots of the web app for the README: the host's console with rooms open and a
participant's view, taken from a running node in headless Chromium. Run by scripts/screenshots."""

import os
import sys

from support import REPO, Browser, Node, api

OUT = os.path.join(REPO, "docs", "images")


def main():
    node = Node("screenshots").start()
    host = participant = None
    try:
        base = node.base
        status, created = api(base, "POST", "/v1/meetings", body={"title": "Seminar: Ethics of AI", "hostName": "Dr. Lovelace"})
        assert status == 201, created
        meeting, code, token, host_id = (created["meeting"]["id"], created["meeting"]["code"], created["hostToken"],
                                         created["participantId"])
        path = f"/v1/meetings/{meeting}"
        names = ["Ada Byron", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra", "Barbara Liskov",
                 "Donald Knuth", "Margaret Hamilton", "Tim Berners-Lee", "Frances Allen", "John McCarthy", "Radia Perlman",
                 "Ken Thompson", "Hedy Lamarr"]
        people = {}
        for name in names:
            email = name.split()[0].lower() + "@uni.example"
            _, joined = api(base, "POST", "/v1/meetings/join", body={"code": code, "displayName": name, "email": email})
            people[name] = joined
        api(base, "PUT", f"{path}/participants/{people['Radia Perlman']['participantId']}/role", token=token,
            body={"role": "cohost"})
        csv = "Pre-assign Room Name,Email Address\r\n" + "".join(
            f"{room},{name.split()[0].lower()}@uni.example\r\n" for room, name in (
                ("Privacy", "Ada Byron"), ("Privacy", "Grace Hopper"), ("Privacy", "Alan Turing"),
                ("Bias and fairness", "Katherine Johnson"), ("Bias and fairness", "Edsger Dijkstra"),
                ("Bias and fairness", "Barbara Liskov"), ("Accountability", "Donald Knuth"),
                ("Accountability", "Margaret Hamilton"), ("Accountability", "Tim Berners-Lee"),
                ("Work and automation", "Frances Allen"), ("Work and automation", "John McCarthy")))
        api(base, "PUT", path + "/preassignments", token=token, body=csv.encode(), content_type="text/csv")
        api(base, "POST", path + "/breakout", token=token,
            body={"roomCount": 4, "mode": "preassigned", "options": {"timerSeconds": 900, "closeCountdownSeconds": 30}})
        api(base, "POST", path + "/breakout/open", token=token)
        ada = people["Ada Byron"]
        api(base, "POST", path + "/help-requests", token=people["Katherine Johnson"]["token"], body={})
        api(base, "POST", path + "/broadcasts", token=token, body={"message": "10 minutes left — agree on one question to bring back."})
        api(base, "PUT", f"{path}/participants/{people['Ken Thompson']['participantId']}/mute", token=token, body={"muted": True})

        os.makedirs(OUT, exist_ok=True)
        host = Browser("shot-host", width=1360, height=1180)
        host.driver.get(base + "/")
        host.js("sessionStorage.setItem('breakout.session', arguments[0])",
                '{"meetingId":"%s","token":"%s","participantId":"%s"}' % (meeting, token, host_id))
        host.driver.refresh()
        host.wait_text("status-text", "In Progress")
        host.wait(lambda: len(host.find_all("room-card")) == 4, "four rooms")
        host.wait_text("connection", "Live")
        api(base, "POST", path + "/broadcasts", token=token, body={"message": "Welcome back in 10 minutes, please."})
        host.wait_text("notices", "Welcome back")
        host.driver.save_screenshot(os.path.join(OUT, "host-console.png"))

        participant = Browser("shot-participant", width=430, height=900)
        participant.driver.get(base + "/")
        participant.js("sessionStorage.setItem('breakout.session', arguments[0])",
                       '{"meetingId":"%s","token":"%s","participantId":"%s"}' % (meeting, ada["token"], ada["participantId"]))
        participant.driver.refresh()
        participant.wait_text("my-location", "Privacy")
        participant.wait_text("connection", "Live")
        api(base, "POST", path + "/broadcasts", token=token, body={"message": "10 minutes left — agree on one question to bring back."})
        participant.wait_text("broadcast", "10 minutes left")
        participant.driver.save_screenshot(os.path.join(OUT, "participant-view.png"))
        print(f"wrote {OUT}/host-console.png and {OUT}/participant-view.png")
        return 0
    finally:
        for browser in (host, participant):
            if browser:
                browser.quit()
        node.stop()


if __name__ == "__main__":
    sys.exit(main())
