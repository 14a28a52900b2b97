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
"""

import json
import os
import urllib.error
import urllib.request

import schemathesis

IDS = json.loads(os.environ["BREAKOUT_FUZZ_IDS"])
BASE = os.environ["BREAKOUT_FUZZ_BASE"]

# The meetings created for `endMeeting` calls, by their host's token.
FRESH_MEETINGS = {}


def call(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
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


def current_room():
    """A room of the meeting that exists now, else the first one it had."""
    snapshot = call("GET", f"/v1/meetings/{IDS['meetingId']}", IDS["hostToken"]) or {}
    rooms = (snapshot.get("breakout") or {}).get("rooms") or []
    return rooms[0]["id"] if rooms else IDS["roomId"]


@schemathesis.hook
def before_call(context, case, kwargs):
    operation = operation_id(case)
    if operation == "joinMeeting" and isinstance(case.body, dict) and isinstance(case.body.get("code"), str):
        case.body["code"] = IDS["code"]
    for name in list(case.path_parameters or {}):
        if name == "roomId":
            case.path_parameters[name] = current_room()
        elif name == "participantId" and operation == "removeParticipant":
            joined = call("POST", "/v1/meetings/join", body={"code": IDS["code"], "displayName": "Leaving soon"})
            case.path_parameters[name] = joined["participantId"] if joined else IDS["participantId"]
        elif name == "meetingId" and operation == "endMeeting":
            token = (case.headers or {}).get("Authorization", "").removeprefix("Bearer ")
            case.path_parameters[name] = FRESH_MEETINGS.get(token, IDS["meetingId"])
        elif name in IDS:
            case.path_parameters[name] = IDS[name]
