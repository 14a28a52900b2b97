"""Browser test of the pre-assignment panel, the two ways a campus has its lists: typed in by hand
(rows, a room with pasted emails, errors beside the rows, the list downloaded as Zoom's template)
and imported from a Canvas group-set export; then rooms are created "Pre-assigned" and opened,
and everyone is in their room.

Part of web_flow.py's run (scripts/test); runs alone too, with DATABASE_URL (and BREAKOUTD_BIN)
set: `python3 Tests/browser/preassign_flow.py`. The node it starts has the campus mail domain
BREAKOUT_LOGIN_DOMAIN=uio.no.
"""

import sys

from selenium.webdriver.common.keys import Keys

from support import Browser, Node, api
from web_flow import Scenario, check, create_rooms, run_scenarios, session_of, write_file

LOGIN_DOMAIN = "uio.no"

# Shaped like Canvas's "Export Groups to CSV": byte order mark, CRLF, quoted names with commas,
# logins with and without a domain, a student in no group.
CANVAS_EXPORT = ("\ufeffname,canvas_user_id,user_id,login_id,sections,group_name,canvas_group_id,group_id\r\n"
                 "\"Nordmann, Kari\",101,SIS101,karinor,IN1000 H25,Gruppe 1,501,\r\n"
                 "\"Hansen, Ola\",102,SIS102,olah,\"IN1000 H25, IN1010 H25\",Gruppe 1,501,\r\n"
                 "\"Berg, Per\",103,SIS103,Per.Berg@Student.Example,IN1000 H25,\"Gruppe 2, tirsdag\",502,\r\n"
                 "\"Nilsen, Nils\",104,SIS104,nilsn,IN1000 H25,\"Gruppe 2, tirsdag\",502,\r\n"
                 "\"Li, Mei\",105,SIS105,meili,IN1000 H25,,,\r\n")


def node_with_login_domain():
    return Node("web-canvas", env={"BREAKOUT_LOGIN_DOMAIN": LOGIN_DOMAIN})


def preassign_by_hand_and_canvas(node):
    holder = {}
    scenario = Scenario("preassign", lambda: list(holder.values()))
    ctx = {}

    def type_row(host, index, room, email):
        row = host.displayed("preassign-row")[index]
        room_input = host.find("preassign-row-room", within=row)
        email_input = host.find("preassign-row-email", within=row)
        for field, value in ((room_input, room), (email_input, email)):
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(Keys.DELETE)
            field.send_keys(value)

    def host_and_students():
        host = holder["host"] = Browser("preassign-host")
        host.driver.get(node.base + "/")
        form = host.visible("create-form")
        form.find_element("name", "title").send_keys("IN1000 group session")
        form.find_element("name", "hostName").send_keys("Lecturer")
        form.find_element("css selector", "button[type=submit]").click()
        ctx["code"] = host.visible("join-code").text
        host.wait_text("connection", "Live")
        for name, email in (("Kari Nordmann", "KariNor@uio.no"), ("Ola Hansen", "olah@uio.no"),
                            ("Per Berg", "per.berg@student.example"), ("Ada Lovelace", "ada@uni.example")):
            status, _ = api(node.base, "POST", "/v1/meetings/join",
                            body={"code": ctx["code"], "displayName": name, "email": email})
            check(status == 201, f"{name} could not join: {status}")
        host.wait(lambda: host.count("person") == 5, "five people in the host's list")

    def type_three_rows_by_hand():
        host = holder["host"]
        host.find("preassign-editor").find_element("css selector", "summary").click()
        for _ in range(3):
            host.click("preassign-add-row")
        host.wait(lambda: host.count("preassign-row") == 3, "three empty rows")
        type_row(host, 0, "Table 1", "ada@uni.example")
        type_row(host, 1, "Table 1", "not-an-email")
        type_row(host, 2, "Table 2", "bo@uni.example")
        host.visible("preassign-dirty", "the unsaved-changes note")
        host.click("preassign-save")
        # Refused whole, the problem shown beside its row; nothing saved.
        host.wait(lambda: "not an email address" in (host.displayed("preassign-row")[1].text), "the error beside row 2")
        check(not host.find_all("preassign-row-error")[0].is_displayed(), "no error beside row 1")
        host.wait_text("preassign-errors", "One row has a problem")
        host.wait_text("preassign-summary", "No list yet")
        type_row(host, 1, "Table 1", "grace@uni.example")
        host.wait(lambda: not host.displayed("preassign-row-error"), "the error to go once the row is edited")
        host.click("preassign-save")
        host.wait_text("preassign-summary", "3 people in 2 rooms; 1 have joined, 2 not yet")
        host.wait_text("preassign-missing", "grace@uni.example")
        host.hidden("preassign-errors")
        host.hidden("preassign-dirty")

    def add_a_room_with_pasted_emails_and_remove_a_row():
        host = holder["host"]
        host.find("preassign-bulk-room").send_keys("Table 3")
        host.find("preassign-bulk-emails").send_keys("x@uni.example, y@uni.example\nz@uni.example")
        host.click("preassign-bulk-add")
        host.wait(lambda: host.count("preassign-row") == 6, "three rows added for Table 3")
        host.click("preassign-row-remove", within=host.displayed("preassign-row")[5])
        host.wait(lambda: host.count("preassign-row") == 5, "the removed row gone")
        host.click("preassign-save")
        host.wait_text("preassign-summary", "5 people in 3 rooms; 1 have joined, 4 not yet")
        _, saved = api(node.base, "GET", f"/v1/meetings/{session_of(host)['meetingId']}/preassignments",
                       token=session_of(host)["token"])
        check([(e["room"], e["email"]) for e in saved] == [
            ("Table 1", "ada@uni.example"), ("Table 1", "grace@uni.example"), ("Table 2", "bo@uni.example"),
            ("Table 3", "x@uni.example"), ("Table 3", "y@uni.example")], f"the saved list: {saved}")

    def download_as_zoom_template():
        host = holder["host"]
        link = host.find("preassign-download")
        text = host.driver.execute_async_script("""
            const [link, done] = arguments;
            link.addEventListener('click', (e) => e.preventDefault(), { once: true });
            link.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
            fetch(link.href).then((r) => r.text()).then(done, (e) => done('failed: ' + e));""", link)
        lines = text.lstrip("\ufeff").split("\r\n")
        check(lines[0] == "Pre-assign Room Name,Email Address", f"the download's header: {lines[0]!r}")
        check(lines[1:6] == ["Table 1,ada@uni.example", "Table 1,grace@uni.example", "Table 2,bo@uni.example",
                             "Table 3,x@uni.example", "Table 3,y@uni.example"], f"the download: {lines}")

    def a_formula_is_defused_in_the_download():
        # A room name a spreadsheet would run as a formula is written after a ' (as the attendance
        # CSV is), and the file uploads back as it was.
        host = holder["host"]
        host.click("preassign-add-row")
        host.wait(lambda: host.count("preassign-row") == 6, "a sixth row")
        type_row(host, 5, "=1+2", "f@uni.example")
        host.click("preassign-save")
        host.wait_text("preassign-summary", "6 people in 4 rooms")
        link = host.find("preassign-download")
        text = host.driver.execute_async_script("""
            const [link, done] = arguments;
            link.addEventListener('click', (e) => e.preventDefault(), { once: true });
            link.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true }));
            fetch(link.href).then((r) => r.text()).then(done, (e) => done('failed: ' + e));""", link)
        lines = text.lstrip("\ufeff").split("\r\n")
        check("'=1+2,f@uni.example" in lines, f"the formula defused in the download: {lines}")
        meeting, token = session_of(host)["meetingId"], session_of(host)["token"]
        status, _ = api(node.base, "PUT", f"/v1/meetings/{meeting}/preassignments", token=token,
                        body=text.encode(), content_type="text/csv")
        check(status == 200, f"the download uploaded again: {status}")
        _, saved = api(node.base, "GET", f"/v1/meetings/{meeting}/preassignments", token=token)
        check(("=1+2", "f@uni.example") in [(e["room"], e["email"]) for e in saved], f"read back as it was: {saved}")

    def import_canvas_export():
        host = holder["host"]
        host.find("preassign-canvas-note")
        check("Export Groups to CSV" in host.text_of("preassign-canvas-note"), "the note says where Canvas offers the export")
        path = write_file("canvas-groups.csv", CANVAS_EXPORT)
        host.find("preassign-canvas-file").send_keys(path)
        host.wait_text("preassign-summary", "4 people in 2 rooms; 3 have joined, 1 not yet")
        host.wait_text("preassign-missing", "nilsn@uio.no")
        host.wait_text("preassign-import", "1 in no group")
        host.wait_text("preassign-import", "Li, Mei (meili)")
        # The editor shows the imported list, ready for changes by hand.
        host.wait(lambda: host.count("preassign-row") == 4, "the editor shows the four imported rows")
        rooms = host.js("return [...document.querySelectorAll('[data-testid=preassign-row-room]')].map(i => i.value)")
        check(rooms == ["Gruppe 1", "Gruppe 1", "Gruppe 2, tirsdag", "Gruppe 2, tirsdag"], f"editor rooms {rooms}")

    def create_preassigned_and_open():
        host = holder["host"]
        create_rooms(host, 2, "preassigned", hint="Your list names 2 rooms for 4 people; 3 of them are here")
        host.wait(lambda: host.count("room-card") == 2, "two room cards")
        host.click("open-all")
        host.wait_text("status-text", "Breakout Rooms – In Progress")
        first = host.card("room-card", "Gruppe 1")
        host.wait(lambda: "Kari Nordmann" in first.text and "Ola Hansen" in first.text and "2 here" in first.text,
                  f"Kari and Ola in Gruppe 1 (card: {first.text!r})")
        second = host.card("room-card", "Gruppe 2, tirsdag")
        host.wait(lambda: "Per Berg" in second.text and "1 here" in second.text, f"Per in Gruppe 2 (card: {second.text!r})")
        check("Ada" not in first.text + second.text, "Ada, who is on no Canvas list, stays in the main room")

    steps = (("host creates a meeting, four students join", host_and_students),
             ("host types three rows by hand: a bad email is shown beside its row, then saved", type_three_rows_by_hand),
             ("host adds a room with pasted emails and removes a row", add_a_room_with_pasted_emails_and_remove_a_row),
             ("the list downloads as Zoom's template", download_as_zoom_template),
             ("a room named like a formula is defused in the download and uploads back as it was", a_formula_is_defused_in_the_download),
             ("host imports a Canvas group-set export", import_canvas_export),
             ("pre-assigned rooms are created and opened: everyone in their group's room", create_preassigned_and_open))
    return scenario.run(steps)


def main():
    node = node_with_login_domain()

    def scenarios():
        node.start()
        print(f"pre-assignment: node {node.base} with BREAKOUT_LOGIN_DOMAIN={LOGIN_DOMAIN}", flush=True)
        yield preassign_by_hand_and_canvas(node)

    return run_scenarios(scenarios, [node])


if __name__ == "__main__":
    sys.exit(main())
