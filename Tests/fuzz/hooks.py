"""Schemathesis hooks of the API fuzz step (loaded through SCHEMATHESIS_HOOKS by run_schemathesis.py).

Generated ids and tokens would only ever reach the server's 401 and 404. These hooks put the
meeting that run_schemathesis.py set up into every request, so each operation runs against real
state; the bodies, queries and headers stay schemathesis's own.

- Every call carries the host's token, except asking for help (a participant's, since only a
  participant in a room may ask) and ending a meeting (a fresh meeting's host, one per call, since
  an ended meeting answers every later call with 410).
- Path ids are the meeting's; `roomId` is a room that exists at the time of the call (the run
  deletes and recreates rooms); removing a participant removes one joined just for that call.
- Joining uses the meeting's real code, so joins reach validation instead of 404.
- Before creating rooms, the meeting's rooms are closed and discarded (else it is always 409),
  and when the call does not create them, rooms are created and opened again for the calls after;
  before taking or resolving a help request, the participant asks for help anew and the call
  names that request (else it is always 409, already taken or resolved).
- A valid close countdown is made 0: a countdown of minutes would leave the meeting `closing`
  for the rest of the run, where most calls are 409. Out-of-range values are sent as generated.
"""

import json
import os

import schemathesis
from api_call import request

IDS = json.loads(os.environ["BREAKOUT_FUZZ_IDS"])
BASE = os.environ["BREAKOUT_FUZZ_BASE"]

# The meetings created for `endMeeting` calls, by their host's token.
FRESH_MEETINGS = {}


def call(method, path, token=None, body=None):
    """The answer's JSON, or None when the call failed or was refused: the meeting changes under
    the run, so a hook's preparation may rightly be refused, and the hook falls back."""
    try:
        return request(BASE, method, path, token, body, timeout=10)[1]
    except (OSError, ValueError):
        return None


def operation_id(case):
    return case.operation.definition.raw.get("operationId")


class BearerAuth:
    token = None

    def get(self, case, context):
        return self.token

    def set(self, case, token, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {token}"


@schemathesis.auth().skip_for(operation_id=["endMeeting", "requestHelp"])
class HostAuth(BearerAuth):
    token = IDS["hostToken"]


@schemathesis.auth().apply_to(operation_id="requestHelp")
class ParticipantAuth(BearerAuth):
    token = IDS["participantToken"]


@schemathesis.auth(refresh_interval=None).apply_to(operation_id="endMeeting")
class FreshMeetingAuth(BearerAuth):
    def get(self, case, context):
        created = call("POST", "/v1/meetings", body={"title": "Fuzz, to be ended"})
        if created is None:
            return None
        FRESH_MEETINGS[created["hostToken"]] = created["meeting"]["id"]
        return created["hostToken"]


def host(method, path, body=None):
    return call(method, f"/v1/meetings/{IDS['meetingId']}{path}", IDS["hostToken"], body)


def discard_rooms():
    host("PATCH", "/breakout/options", {"closeCountdownSeconds": 0})
    host("POST", "/breakout/close")
    host("DELETE", "/breakout")


def restore_rooms():
    host("POST", "/breakout", {"roomCount": 3, "mode": "manual", "options": {"closeCountdownSeconds": 0}})
    host("POST", "/breakout/open")


def fresh_help_request():
    """An open help request: the participant (a participant again, in its room, rooms open) asks
    for help once its earlier requests are resolved."""
    host("PUT", f"/participants/{IDS['participantId']}/role", {"role": "participant"})
    snapshot = host("GET", "") or {}
    rooms = (snapshot.get("breakout") or {}).get("rooms") or []
    if rooms:
        host("PUT", f"/breakout/assignments/{IDS['participantId']}", {"roomId": rooms[0]["id"]})
        host("POST", "/breakout/open")
        call("POST", f"/v1/meetings/{IDS['meetingId']}/moves", IDS["participantToken"], {"roomId": rooms[0]["id"]})
    for request in snapshot.get("helpRequests") or []:
        if request["status"] != "resolved":
            host("POST", f"/help-requests/{request['id']}/resolve", {})
    asked = call("POST", f"/v1/meetings/{IDS['meetingId']}/help-requests", IDS["participantToken"], {})
    return asked["id"] if asked else IDS["requestId"]


def current_room():
    """A room of the meeting that exists now, else the first one it had."""
    snapshot = call("GET", f"/v1/meetings/{IDS['meetingId']}", IDS["hostToken"]) or {}
    rooms = (snapshot.get("breakout") or {}).get("rooms") or []
    return rooms[0]["id"] if rooms else IDS["roomId"]


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = operation_id(case)
    if operation == "createBreakout":
        discard_rooms()
    if operation in ("createBreakout", "changeOptions") and isinstance(case.body, dict):
        options = case.body.get("options") if operation == "createBreakout" else case.body
        countdown = options.get("closeCountdownSeconds") if isinstance(options, dict) else None
        if type(countdown) is int and 0 < countdown <= 300:
            options["closeCountdownSeconds"] = 0
    if operation == "joinMeeting" and isinstance(case.body, dict) and isinstance(case.body.get("code"), str):
        case.body["code"] = IDS["code"]
    for name in list(case.path_parameters or {}):
        if name == "roomId":
            case.path_parameters[name] = current_room()
        elif name == "participantId" and operation == "removeParticipant":
            joined = call("POST", "/v1/meetings/join", body={"code": IDS["code"], "displayName": "Leaving soon"})
            case.path_parameters[name] = joined["participantId"] if joined else IDS["participantId"]
        elif name == "requestId":
            case.path_parameters[name] = fresh_help_request()
        elif name == "meetingId" and operation == "endMeeting":
            token = (case.headers or {}).get("Authorization", "").removeprefix("Bearer ")
            case.path_parameters[name] = FRESH_MEETINGS.get(token, IDS["meetingId"])
        elif name in IDS:
            case.path_parameters[name] = IDS[name]


@schemathesis.hook
def after_call(context, case, response):
    if operation_id(case) == "createBreakout" and response.status_code != 201:
        restore_rooms()
