/// The OpenAPI 3.1 description of the v1 HTTP API, served at `/openapi.yaml`.
/// Kept in Swift so the binary serves it wherever it is installed; a test checks that its paths
/// and the router's routes are the same set.
enum OpenAPIDocument {
    static let text = #"""
openapi: 3.1.0
info:
  title: Breakout rooms service
  version: 1.0.0
  description: |
    The control plane of breakout rooms: meetings, participants, rooms, assignments, moves,
    broadcasts, the help queue and host mutes. Audio and video are carried elsewhere.

    **Safe retries.** POST, PUT, PATCH and DELETE accept an `Idempotency-Key` header (1–255
    characters). A retry with the same key — on any node — answers exactly what the first attempt
    answered and applies nothing twice; the same key with a different method, path or body is
    422 `idempotency_key_reused`. Refused requests store nothing.

    **Live stream.** `GET /v1/meetings/{meetingId}/events` (Server-Sent Events) carries every
    change; see that operation.

    **Tokens.** Every call except creating a meeting (see below), joining, health and this
    document sends `Authorization: Bearer <token>`. Creating a meeting returns the host's token;
    joining returns a participant's token. A token works only in its own meeting: used on any
    other meeting it answers 404 `meeting_not_found`, exactly as an unknown meeting would, so
    nothing about that meeting leaks. A missing token is 401 `missing_token`, an unknown one 401
    `invalid_token`; once the meeting has ended every token answers 410 `meeting_ended`.
    A malformed id in a path is 404, like an unknown id.

    **Bodies.** Request bodies are JSON objects (UTF-8). A field an endpoint does not know is
    rejected (422 `validation_failed`, naming the field) rather than ignored, and every offending
    field is listed in the problem's `errors`. A body that is not JSON, or not an object, is 400
    `malformed_json`; a missing body where one is needed is 400 `body_required`; a
    `Content-Type` that is not JSON is 415 `unsupported_media_type`. Bodies larger than
    64 KiB (65536 bytes) are refused with 413 `body_too_large` before they are parsed.

    **Errors.** Every refusal is `application/problem+json` (RFC 9457) with `type`, `title`,
    `status`, `detail` and a stable machine-readable `code`; validation failures add
    `errors: [{field, message}]`. Bad input never changes state.

    **Roles.** "Managers" are the host and the co-hosts. Participants see names, roles,
    locations and rooms but not emails or the help queue; managers see everything.

    The metrics of the product specification are not part of this version of the document.
servers:
  - url: /
security:
  - bearerAuth: []
tags:
  - name: meetings
    description: Meetings and membership.
  - name: breakout
    description: Creating, changing, opening and closing breakout rooms (managers).
  - name: rooms
    description: What people do while rooms exist.
  - name: operations
    description: Health and this document.
paths:
  /v1/meetings:
    post:
      tags: [meetings]
      operationId: createMeeting
      summary: Create a meeting
      description: |
        Creates a meeting whose creator is its host, and returns the host's token.

        Anyone may create a meeting unless the server is configured with
        `BREAKOUT_ADMIN_TOKEN`; then the request must carry `Authorization: Bearer <admin token>`
        (missing: 401 `missing_token`; wrong: 403 `admin_token_required`). Without that setting
        no `Authorization` header is needed.

        The optional `hostName` (default "Host") is an extension to the specification's
        `{title, settings?}`: it is the host's display name.
      security:
        - {}
        - bearerAuth: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CreateMeetingRequest'
            example:
              title: Seminar 4
              settings:
                breakoutRoomsEnabled: true
      responses:
        '201':
          description: The meeting was created.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CreateMeetingResponse'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          description: >-
            `missing_token`: the server has an admin token configured and the request carries
            no bearer token.
          headers:
            WWW-Authenticate:
              $ref: '#/components/headers/WWWAuthenticate'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '403':
          description: >-
            `admin_token_required`: the server has an admin token configured and the bearer
            token is not it.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: >-
            `validation_failed`: a field is missing, of the wrong type, unknown, or out of range
            (`title` 1–200 characters, `hostName` 1–64 characters, no control characters, not
            only whitespace).
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '503':
          description: '`code_exhausted`: no free meeting code could be allocated; try again.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'

  /v1/meetings/join:
    post:
      tags: [meetings]
      operationId: joinMeeting
      summary: Join a meeting with its code
      description: |
        Anyone with the meeting code joins as a participant and receives a participant token.
        The code is matched case-insensitively, ignoring spaces and dashes. A late joiner is
        given a room when rooms exist and `assignLateJoiners` is on (moved in, or prompted, when
        rooms are open).
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/JoinRequest'
            example:
              code: 7KQ3-MX9P-2T
              displayName: Ada
              email: ada@example.org
      responses:
        '201':
          description: Joined.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/JoinResponse'
        '400':
          $ref: '#/components/responses/BadRequest'
        '404':
          description: '`meeting_not_found`: no meeting has that code.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: >-
            `validation_failed`: a field is missing, of the wrong type or unknown;
            `displayName` is not 1–64 characters (or is only whitespace, or has control
            characters); `email` is not an email address.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'

  /v1/meetings/{meetingId}/events:
    get:
      tags: [live]
      operationId: liveStream
      summary: The live stream (Server-Sent Events)
      description: >-
        `text/event-stream`. Each event has `id` (the meeting's `seq`), `event` (its type) and one
        line of JSON `data`. A fresh stream starts with `snapshot` (the body of GET
        /v1/meetings/{meetingId}, `id` = its `seq`). With `Last-Event-ID: n`, on any node, the stream
        replays exactly the events after `n` the caller may see, in order, then goes live; an `n`
        more than 1000 events behind (or ahead of the meeting) gets a fresh `snapshot` instead. A
        `: keep-alive` comment comes at least every 15 s. The stream ends after `meeting_ended`, after
        the caller's own `participant_left`, when the client falls too far behind (it then resumes
        with `Last-Event-ID`), and on the node's graceful shutdown with a `retry: 1000` hint.
        Private events (`move_prompt`, the help queue, emails in `participant_joined`) reach only
        those allowed to see them. Because EventSource cannot set headers, the token may be given
        as `?access_token=`.
      parameters:
        - $ref: '#/components/parameters/MeetingId'
        - name: access_token
          in: query
          required: false
          description: The bearer token, for clients that cannot set headers.
          schema:
            type: string
        - name: Last-Event-ID
          in: header
          required: false
          description: The `id` of the last event received; the stream resumes after it.
          schema:
            type: string
      responses:
        '200':
          description: The stream.
          content:
            text/event-stream:
              schema:
                type: string
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    get:
      tags: [meetings]
      operationId: getSnapshot
      summary: Snapshot of the meeting
      description: |
        The whole state the caller may see, consistent with its `seq` (it shows exactly the
        effects of events 1…seq). Emails and `helpRequests` are included only for managers.
      responses:
        '200':
          description: The snapshot.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Snapshot'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}/participants/{participantId}:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
      - $ref: '#/components/parameters/ParticipantId'
    delete:
      tags: [meetings]
      operationId: removeParticipant
      summary: Leave the meeting, or remove a participant (host)
      description: |
        With the caller's own id: leave the meeting (the host cannot leave; it ends the meeting
        instead). With another participant's id: the host removes that participant. Either way
        the participant leaves its room and the meeting, and its token stops working.
      responses:
        '204':
          description: The participant left or was removed.
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          description: '`not_the_host`: only the host may remove someone else.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '404':
          description: '`meeting_not_found` or `participant_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`host_cannot_leave`: the host cannot leave; end the meeting instead.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}/participants/{participantId}/role:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
      - $ref: '#/components/parameters/ParticipantId'
    put:
      tags: [meetings]
      operationId: setRole
      summary: Appoint or demote a co-host (host)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/SetRoleRequest'
      responses:
        '200':
          description: The participant has that role (setting the role it already has changes nothing).
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RoleResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          description: '`not_the_host`: only the host appoints and demotes co-hosts.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '404':
          description: '`meeting_not_found` or `participant_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`cannot_change_host`: the host''s role cannot be changed.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: '`validation_failed`: `role` is missing, unknown fields, or `role` is not `cohost` or `participant`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'

  /v1/meetings/{meetingId}/participants/{participantId}/mute:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
      - $ref: '#/components/parameters/ParticipantId'
    put:
      tags: [rooms]
      operationId: setMute
      summary: Mute or lift a host mute (managers)
      description: |
        A manager may mute anyone (`mutedByHost` true). Lifting a mute is allowed only to a
        manager in the same location (main room or the same breakout room) as the participant.
        A participant cannot lift its own mute. Setting the state a participant already has
        changes nothing.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/SetMuteRequest'
      responses:
        '200':
          description: The participant's mute state.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/MuteResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          description: >-
            `not_a_manager`: only the host or a co-host may mute; `mute_locked`: a participant
            tried to lift its own host mute.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '404':
          description: '`meeting_not_found` or `participant_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`not_in_same_room`: a mute can be lifted only by a manager in the participant''s location.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          $ref: '#/components/responses/ValidationFailed'

  /v1/meetings/{meetingId}/end:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [meetings]
      operationId: endMeeting
      summary: End the meeting (host)
      description: |
        Every token of the meeting stops working (410 `meeting_ended` afterwards) and pending
        timers are dropped. No request body is read.
      responses:
        '204':
          description: The meeting has ended.
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          description: '`not_the_host`: only the host ends the meeting.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}/breakout:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [breakout]
      operationId: createBreakout
      summary: Create the breakout rooms (managers)
      description: |
        Creates `roomCount` rooms named "Breakout room 1" … "Breakout room N", status `ready`.
        `automatic` spreads the participants (role `participant`) evenly (room sizes differ by
        at most one); `manual` assigns nobody; `self_select` assigns nobody and forces
        `allowChooseRoom` on. `preassigned` makes one room per distinct room name of the
        meeting's pre-assignment list (in first-seen order), then empty "Breakout room N" rooms up
        to `roomCount` (there are `max(roomCount, distinct names)` rooms), and assigns every member
        whose email is on the list; without a list it is 422 `mode_unavailable`.
        Options not given take their defaults (see `BreakoutOptions`).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/CreateBreakoutRequest'
            example:
              roomCount: 4
              mode: automatic
              options:
                timerSeconds: 900
                closeCountdownSeconds: 30
      responses:
        '201':
          description: The rooms were created.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Breakout'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '409':
          description: >-
            `breakout_disabled`: breakout rooms are switched off in the meeting's settings;
            `breakout_exists`: the meeting already has rooms (discard them first).
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: >-
            `validation_failed`: a field is missing, unknown, of the wrong type or out of range
            (`roomCount` 1 to the server's maximum, default 100; `options.timerSeconds` null or
            1–86400; `options.closeCountdownSeconds` 0–300; `options.allowChooseRoom` false in
            `self_select`); `mode_unavailable`: `preassigned` without a pre-assignment list.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
    delete:
      tags: [breakout]
      operationId: discardBreakout
      summary: Discard the breakout rooms (managers)
      description: Removes the rooms and all assignments (status back to `none`). Not while rooms are open or closing.
      responses:
        '204':
          description: The rooms were discarded.
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '409':
          description: '`no_breakout`: there are no rooms; `breakout_open`: close the rooms first.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}/breakout/options:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    patch:
      tags: [breakout]
      operationId: changeOptions
      summary: Change the options (managers)
      description: |
        Changes the given options and leaves the others as they are. While rooms are open, a
        changed `timerSeconds` moves `timerEndsAt` (counted from `openedAt`); null removes the
        timer.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/BreakoutOptionsPatch'
            example:
              timerSeconds: 1200
              allowReturnToMain: false
      responses:
        '200':
          description: The options now in force.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/OptionsResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '409':
          description: '`no_breakout`: there are no rooms yet.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: >-
            `validation_failed`: an unknown field, a wrong type, or a value out of range
            (`timerSeconds` null or 1–86400, `closeCountdownSeconds` 0–300; `allowChooseRoom`
            cannot be false in `self_select` mode).
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'

  /v1/meetings/{meetingId}/breakout/rooms:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [breakout]
      operationId: addRoom
      summary: Add a room (managers)
      description: |
        Adds a room at the end, named `name` or, without one, the first free "Breakout room N".
        The body may be empty.
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/AddRoomRequest'
      responses:
        '201':
          description: The new room.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Room'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '409':
          description: >-
            `no_breakout`: there are no rooms yet; `too_many_rooms`: the breakout already has
            the most rooms allowed; `room_name_taken`: another room has that name.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: '`validation_failed`: an unknown field, or `name` is not 1–64 characters (not only whitespace, no control characters).'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'

  /v1/meetings/{meetingId}/breakout/rooms/{roomId}:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
      - $ref: '#/components/parameters/RoomId'
    patch:
      tags: [breakout]
      operationId: renameRoom
      summary: Rename a room (managers)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RenameRoomRequest'
      responses:
        '200':
          description: The room's new name.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/RenameResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          description: '`meeting_not_found` or `room_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`no_breakout`: there are no rooms; `room_name_taken`: another room has that name.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: '`validation_failed`: `name` is missing or not 1–64 characters (not only whitespace, no control characters), or an unknown field.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
    delete:
      tags: [breakout]
      operationId: deleteRoom
      summary: Delete a room (managers)
      description: |
        Deletes a room, also while rooms are open: its occupants go to the main room first,
        its assignees become unassigned and its open help requests are resolved. The last room
        cannot be deleted (discard the breakout instead).
      responses:
        '204':
          description: The room was deleted.
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          description: '`meeting_not_found` or `room_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`no_breakout`: there are no rooms; `last_room`: a breakout keeps at least one room.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}/breakout/assignments/{participantId}:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
      - $ref: '#/components/parameters/ParticipantId'
    put:
      tags: [breakout]
      operationId: assignParticipant
      summary: Assign, reassign or unassign a participant (managers)
      description: |
        `roomId` null unassigns. While rooms are open a reassigned participant is moved (or,
        when `moveAutomatically` is false, gets a `move_prompt`); an unassigned participant
        sitting in its old room goes back to the main room.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RoomChoice'
      responses:
        '200':
          description: The assignment now in force.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/AssignmentResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          description: '`meeting_not_found`, `participant_not_found` or `room_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`no_breakout`: there are no rooms yet.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          $ref: '#/components/responses/ValidationFailed'

  /v1/meetings/{meetingId}/breakout/open:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [breakout]
      operationId: openBreakout
      summary: Open all rooms (managers)
      description: |
        Status becomes `open`, `openedAt` is set and the timer starts if `timerSeconds` is set.
        With `moveAutomatically` every participant with an assigned room is moved into it (the
        answer and the `breakout_opened` event say so with `moveAutomatically: true` rather than
        listing each move); otherwise each gets a `move_prompt` and stays in the main room. No
        request body is read.
      responses:
        '200':
          description: The rooms are open.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/OpenResult'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '409':
          description: >-
            `no_breakout`: there are no rooms; `breakout_already_open`: they are already open;
            `breakout_closing`: they are closing.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}/breakout/close:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [breakout]
      operationId: closeBreakout
      summary: Close all rooms (managers)
      description: |
        With `closeCountdownSeconds` above 0 the status becomes `closing` until `closingEndsAt`,
        then everyone goes back to the main room and the status becomes `ready`; the answer is
        `{closingEndsAt, countdownSeconds}`. With 0 this happens at once and the answer is
        `{closedAt}`. No request body is read.
      responses:
        '200':
          description: The countdown started, or the rooms closed at once.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/CloseResult'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '409':
          description: >-
            `no_breakout`: there are no rooms; `breakout_not_open`: they are not open;
            `breakout_closing`: they are already closing.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /v1/meetings/{meetingId}/moves:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [rooms]
      operationId: move
      summary: Move yourself
      description: |
        The caller moves itself to `roomId` (null = the main room). Managers may go to any room
        or to main while rooms are open. A participant may enter its assigned room, or any room
        when `allowChooseRoom` is on, and may return to main when `allowReturnToMain` is on or
        the rooms are closing. Moving to where the caller already is changes nothing.
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/RoomChoice'
      responses:
        '200':
          description: Where the caller was and is now.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/MoveResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          description: '`room_not_allowed`: participants may enter only their assigned room unless choosing rooms is allowed.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '404':
          description: '`meeting_not_found` or `room_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: >-
            `return_not_allowed`: returning to main is switched off until the rooms close;
            `no_breakout`, `breakout_not_open`, `breakout_closing`: rooms cannot be entered now.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          $ref: '#/components/responses/ValidationFailed'

  /v1/meetings/{meetingId}/broadcasts:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [rooms]
      operationId: broadcast
      summary: Broadcast a message (managers)
      description: |
        While rooms are open (or closing), a message of 1–140 characters (counted as Swift
        `String.count`: an emoji counts once; whitespace-only is rejected) to everyone in the
        meeting, or with `roomId` to the people in that room (and the managers).
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/BroadcastRequest'
      responses:
        '201':
          description: The message was sent.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/BroadcastResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          description: '`meeting_not_found` or `room_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`breakout_not_open`: the rooms are not open.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          description: >-
            `message_too_long`: more than 140 characters; `validation_failed`: `message`
            missing, empty or only whitespace, a wrong type or an unknown field.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'

  /v1/meetings/{meetingId}/help-requests:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [rooms]
      operationId: requestHelp
      summary: Ask for help (from inside a room)
      description: |
        The caller, in a breakout room, asks for help; managers see the queue. At most one
        unresolved request per person. The body may be empty or `{}`.
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/EmptyRequest'
      responses:
        '201':
          description: The new help request.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/HelpRequest'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '409':
          description: >-
            `not_in_room`: help can be asked for only from inside a breakout room;
            `help_already_requested`: the caller already has an open request.
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          $ref: '#/components/responses/ValidationFailed'

  /v1/meetings/{meetingId}/help-requests/{requestId}/take:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
      - $ref: '#/components/parameters/RequestId'
    post:
      tags: [rooms]
      operationId: takeHelpRequest
      summary: Take a help request (managers)
      description: Records the caller as the one who took the request (`status` becomes `taken`). The body may be empty or `{}`.
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/EmptyRequest'
      responses:
        '200':
          description: The help request, taken.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/HelpRequest'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          description: '`meeting_not_found` or `help_request_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`help_already_taken` or `help_already_resolved`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          $ref: '#/components/responses/ValidationFailed'

  /v1/meetings/{meetingId}/help-requests/{requestId}/resolve:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
      - $ref: '#/components/parameters/RequestId'
    post:
      tags: [rooms]
      operationId: resolveHelpRequest
      summary: Resolve a help request (managers)
      description: An open or taken request becomes `resolved` and leaves the queue. The body may be empty or `{}`.
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/EmptyRequest'
      responses:
        '200':
          description: The help request, resolved.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/HelpRequest'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          description: '`meeting_not_found` or `help_request_not_found`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '409':
          description: '`help_already_resolved`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          $ref: '#/components/responses/ValidationFailed'

  /v1/meetings/{meetingId}/unmute-all:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    post:
      tags: [rooms]
      operationId: unmuteAll
      summary: Lift every mute the caller may lift (managers)
      description: |
        Lifts the host mute of everyone in the caller's own location (the only mutes it may
        lift) and lists them. The body may be empty or `{}`.
      requestBody:
        required: false
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/EmptyRequest'
      responses:
        '200':
          description: The participants whose mute was lifted (possibly none).
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/MuteResult'
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotAManager'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          $ref: '#/components/responses/ContentTooLarge'
        '415':
          $ref: '#/components/responses/UnsupportedMediaType'
        '422':
          $ref: '#/components/responses/ValidationFailed'

  /v1/meetings/{meetingId}/preassignments:
    parameters:
      - $ref: '#/components/parameters/MeetingId'
    put:
      tags: [breakout]
      operationId: replacePreassignments
      summary: Upload the pre-assignment list (host)
      description: |
        Replaces the meeting's pre-assignment list whole (an empty list clears it). Allowed at any
        time, also before rooms exist; it is used when rooms are created in `preassigned` mode
        and when a participant whose email is listed joins while rooms exist (with
        `assignLateJoiners`): they go to the room of that name, if it still exists.

        Either `text/csv` — UTF-8 with or without a byte order mark, CRLF or LF line ends, quoted
        fields, blank lines skipped, in one of two formats told apart by the header:

        - Zoom's template: the header `Pre-assign Room Name,Email Address`, then one room name and
          one email per line;
        - a Canvas group-set export ("Export Groups to CSV"): a header with `group_name` and at
          least one of `login_id`, `user_id`, `canvas_user_id`, in any order; other columns
          (`name`, `sections`, `canvas_group_id`, `group_id`, …) are ignored. `group_name` is the
          room; `login_id` is the email when it holds an `@`, else the server's campus mail domain
          (`BREAKOUT_LOGIN_DOMAIN`) is appended — without that setting such a row is an error
          naming its line. A row with an empty `group_name` (a student in no group) is not
          stored and is listed in the answer's `unassigned`;

        or `application/json` `[{room, email}]`. At most 1000 rows, naming at most as many rooms
        as a breakout may have. Room names are trimmed (1–64 characters), emails are trimmed and
        lower-cased and may appear once. The body may be up to 1 MiB.

        All or nothing: one 422 `validation_failed` lists every bad entry in `errors`, by line
        (`{field: "line 3", message: "the email address is missing"}`, the header being line 1)
        or, for JSON, by path (`[2].email`); a wrong header is reported as line 1.
      requestBody:
        required: true
        content:
          text/csv:
            schema:
              type: string
            examples:
              zoom:
                summary: Zoom's template
                value: |
                  Pre-assign Room Name,Email Address
                  Group A,ada@uni.example
                  Group A,grace@uni.example
                  "Group B, the quiet one",alan@uni.example
              canvas:
                summary: A Canvas group-set export
                value: |
                  name,canvas_user_id,user_id,login_id,sections,group_name,canvas_group_id,group_id
                  "Nordmann, Kari",101,SIS101,karinor,IN1000,Gruppe 1,501,
                  "Berg, Per",103,SIS103,per.berg@student.example,IN1000,Gruppe 2,502,
                  "Li, Mei",105,SIS105,meili,IN1000,,,
          application/json:
            schema:
              type: array
              maxItems: 1000
              items:
                $ref: '#/components/schemas/Preassignment'
      responses:
        '200':
          description: The list as stored, in upload order, the format read and the rows that name no room.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/PreassignmentUploadResult'
              example:
                format: canvas_csv
                preassignments:
                  - room: Gruppe 1
                    email: karinor@uio.no
                  - room: Gruppe 2
                    email: per.berg@student.example
                unassigned:
                  - line: 4
                    name: Li, Mei
                    login: meili
        '400':
          $ref: '#/components/responses/BadRequest'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotTheHost'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '410':
          $ref: '#/components/responses/MeetingEnded'
        '413':
          description: '`body_too_large`: the body is larger than 1 MiB.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '415':
          description: '`unsupported_media_type`: the body is neither `text/csv` (Zoom''s template or a Canvas export) nor `application/json`.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
        '422':
          description: '`validation_failed`: `errors` names every bad line (CSV) or entry (JSON); nothing was saved.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'
              example:
                type: https://breakout.example/problems/validation_failed
                title: Unprocessable Content
                status: 422
                detail: 'Nothing was saved: the list has 2 problems (line 3: the email address is missing; line 5: bob@uni.example is already listed (line 2)).'
                code: validation_failed
                errors:
                  - field: line 3
                    message: the email address is missing
                  - field: line 5
                    message: bob@uni.example is already listed (line 2)
    get:
      tags: [breakout]
      operationId: getPreassignments
      summary: The pre-assignment list (host)
      responses:
        '200':
          description: The list, in upload order (empty when none was uploaded).
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/Preassignment'
        '401':
          $ref: '#/components/responses/Unauthorized'
        '403':
          $ref: '#/components/responses/NotTheHost'
        '404':
          $ref: '#/components/responses/MeetingNotFound'
        '410':
          $ref: '#/components/responses/MeetingEnded'

  /healthz:
    get:
      tags: [operations]
      operationId: healthz
      summary: Liveness
      description: The process is alive. Does not touch the database.
      security: []
      responses:
        '200':
          description: Alive.
          content:
            text/plain:
              schema:
                type: string
                const: "ok\n"

  /metrics:
    get:
      tags: [operations]
      operationId: metrics
      summary: Prometheus metrics
      description: >-
        This node's figures in Prometheus' text format: `breakout_http_requests_total` by route,
        method and status, `breakout_http_request_duration_seconds`, `breakout_timers_fired_total`,
        and the PostgreSQL pool's metrics.
      security: []
      responses:
        '200':
          description: Metrics.
          content:
            text/plain:
              schema:
                type: string

  /readyz:
    get:
      tags: [operations]
      operationId: readyz
      summary: Readiness
      description: The database answers `SELECT 1` within 2 seconds.
      security: []
      responses:
        '200':
          description: Ready.
          content:
            text/plain:
              schema:
                type: string
                const: "ready\n"
        '503':
          description: '`not_ready`: the database is not reachable.'
          content:
            application/problem+json:
              schema:
                $ref: '#/components/schemas/Problem'

  /openapi.yaml:
    get:
      tags: [operations]
      operationId: openapi
      summary: This document
      security: []
      responses:
        '200':
          description: The OpenAPI 3.1 description of the API.
          content:
            application/yaml:
              schema:
                type: string

components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      description: >-
        A participant or host token (43 characters, base64url) from creating or joining a
        meeting; valid only in its own meeting. For POST /v1/meetings, the server's admin token
        when `BREAKOUT_ADMIN_TOKEN` is configured.

  headers:
    WWWAuthenticate:
      description: Always `Bearer`.
      schema:
        type: string
        const: Bearer

  parameters:
    MeetingId:
      name: meetingId
      in: path
      required: true
      description: The meeting's id. A malformed id is 404 `meeting_not_found`, as is a meeting the token does not belong to.
      schema:
        type: string
        format: uuid
    ParticipantId:
      name: participantId
      in: path
      required: true
      description: A participant of the meeting. A malformed or unknown id is 404 `participant_not_found`.
      schema:
        type: string
        format: uuid
    RoomId:
      name: roomId
      in: path
      required: true
      description: A room of the meeting. A malformed or unknown id is 404 `room_not_found`.
      schema:
        type: string
        format: uuid
    RequestId:
      name: requestId
      in: path
      required: true
      description: A help request of the meeting. A malformed or unknown id is 404 `help_request_not_found`.
      schema:
        type: string
        format: uuid

  responses:
    BadRequest:
      description: >-
        `malformed_json`: the body is not valid JSON or not a JSON object; `body_required`: the
        endpoint needs a JSON object body and got none.
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
          example:
            type: https://breakout.example/problems/malformed_json
            title: Bad Request
            status: 400
            detail: The body is not valid JSON.
            code: malformed_json
    Unauthorized:
      description: '`missing_token`: no bearer token; `invalid_token`: the token is not valid.'
      headers:
        WWW-Authenticate:
          $ref: '#/components/headers/WWWAuthenticate'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    NotAManager:
      description: '`not_a_manager`: only the host or a co-host may do this.'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    NotTheHost:
      description: '`not_the_host`: only the host may do this.'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    MeetingNotFound:
      description: >-
        `meeting_not_found`: no such meeting, a malformed id, or a token of another meeting
        (nothing about the meeting leaks).
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    MeetingEnded:
      description: '`meeting_ended`: the meeting has ended; its tokens no longer work.'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    ContentTooLarge:
      description: '`body_too_large`: the body is larger than 64 KiB.'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    UnsupportedMediaType:
      description: '`unsupported_media_type`: a body was sent with a `Content-Type` that is not JSON.'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    ValidationFailed:
      description: '`validation_failed`: a field is missing, of the wrong type, or unknown; `errors` names each one.'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
          example:
            type: https://breakout.example/problems/validation_failed
            title: Unprocessable Content
            status: 422
            detail: roomId is required; colour is not a known field
            code: validation_failed
            errors:
              - field: roomId
                message: is required
              - field: colour
                message: is not a known field

  schemas:
    Problem:
      type: object
      description: An RFC 9457 problem with a stable machine-readable `code`.
      required: [type, title, status, detail, code]
      properties:
        type:
          type: string
          format: uri
          description: '`https://breakout.example/problems/<code>`.'
        title:
          type: string
          description: The HTTP reason phrase of `status`.
        status:
          type: integer
          minimum: 400
          maximum: 599
        detail:
          type: string
          description: A sentence for people.
        code:
          type: string
          description: Stable, machine-readable; clients branch on it.
          examples: [validation_failed, breakout_not_open, meeting_ended]
        errors:
          type: array
          description: Present on validation failures; one entry per offending field.
          items:
            $ref: '#/components/schemas/FieldError'
    FieldError:
      type: object
      required: [field, message]
      properties:
        field:
          type: string
          description: The field's path, e.g. `options.timerSeconds`.
        message:
          type: string

    Uuid:
      type: string
      format: uuid
    NullableUuid:
      type: [string, 'null']
      format: uuid
    Timestamp:
      type: string
      format: date-time
      description: ISO 8601 with fractional seconds, UTC.
    NullableTimestamp:
      type: [string, 'null']
      format: date-time
    Role:
      type: string
      enum: [host, cohost, participant]
    BreakoutStatus:
      type: string
      enum: [none, ready, open, closing]
      description: '`none` → `ready` → `open` → `closing` → `ready`, or discarded back to `none`.'
    BreakoutMode:
      type: string
      enum: [automatic, manual, self_select, preassigned]
      description: '`preassigned` needs the meeting''s pre-assignment list (else 422 `mode_unavailable`).'

    MeetingSettings:
      type: object
      required: [breakoutRoomsEnabled]
      properties:
        breakoutRoomsEnabled:
          type: boolean
          default: true
    Meeting:
      type: object
      required: [id, code, title, settings, status]
      properties:
        id:
          $ref: '#/components/schemas/Uuid'
        code:
          type: string
          description: The join code, 10 characters from `23456789ABCDEFGHJKMNPQRSTUVWXYZ`.
          pattern: '^[2-9A-HJKMNP-Z]{10}$'
        title:
          type: string
          minLength: 1
          maxLength: 200
        settings:
          $ref: '#/components/schemas/MeetingSettings'
        status:
          type: string
          enum: [active, ended]
        createdAt:
          $ref: '#/components/schemas/Timestamp'
          description: Present in snapshots.
    Participant:
      type: object
      required: [id, displayName, role, location, assignedRoomId, mutedByHost]
      properties:
        id:
          $ref: '#/components/schemas/Uuid'
        displayName:
          type: string
          minLength: 1
          maxLength: 64
        email:
          type: [string, 'null']
          description: Present only when a manager is looking; lower-cased.
        role:
          $ref: '#/components/schemas/Role'
        location:
          $ref: '#/components/schemas/NullableUuid'
          description: The room the participant is in; null is the main room.
        assignedRoomId:
          $ref: '#/components/schemas/NullableUuid'
        mutedByHost:
          type: boolean
    PreassignmentUploadResult:
      type: object
      required: [format, preassignments, unassigned]
      additionalProperties: false
      properties:
        format:
          type: string
          enum: [zoom_csv, canvas_csv, json]
          description: How the body was read.
        preassignments:
          type: array
          description: The list as stored (what `GET` answers).
          items:
            $ref: '#/components/schemas/Preassignment'
        unassigned:
          type: array
          description: Rows that name a person but no room (a Canvas export's students in no group); not stored. Empty for Zoom's template and JSON.
          items:
            type: object
            required: [line, name, login]
            additionalProperties: false
            properties:
              line:
                type: integer
                description: The line of the file (the header is line 1).
              name:
                type: [string, 'null']
                description: The `name` column, when the export has one.
              login:
                type: [string, 'null']
                description: The `login_id` (else `user_id` or `canvas_user_id`) as the export has it.
    Preassignment:
      type: object
      required: [room, email]
      additionalProperties: false
      properties:
        room:
          type: string
          minLength: 1
          maxLength: 64
        email:
          type: string
          description: Matched case-insensitively; stored lower-cased.
    Room:
      type: object
      required: [id, name, position]
      properties:
        id:
          $ref: '#/components/schemas/Uuid'
        name:
          type: string
          minLength: 1
          maxLength: 64
          description: Unique within the meeting; default "Breakout room N".
        position:
          type: integer
          minimum: 1
    BreakoutOptions:
      type: object
      description: The options of a meeting's breakout rooms, with their defaults.
      required: [moveAutomatically, allowChooseRoom, allowReturnToMain, timerSeconds, closeWhenTimeUp,
                 notifyHostWhenTimeUp, closeCountdownSeconds, assignLateJoiners]
      properties:
        moveAutomatically:
          type: boolean
          default: true
          description: On open, assigned participants are moved into their rooms; when false they get a prompt.
        allowChooseRoom:
          type: boolean
          default: false
          description: Participants may enter any room once rooms are open. Always true in `self_select` mode.
        allowReturnToMain:
          type: boolean
          default: true
          description: Participants may go back to the main room at any time; when false they stay until the rooms close.
        timerSeconds:
          type: [integer, 'null']
          minimum: 1
          maximum: 86400
          default: null
          description: The rooms' duration, counted from opening; null for no timer.
        closeWhenTimeUp:
          type: boolean
          default: true
          description: When the timer ends, the rooms close.
        notifyHostWhenTimeUp:
          type: boolean
          default: false
          description: When the timer ends, hosts and co-hosts get `time_up`.
        closeCountdownSeconds:
          type: integer
          minimum: 0
          maximum: 300
          default: 60
          description: Countdown after "close all rooms"; 0 closes at once.
        assignLateJoiners:
          type: boolean
          description: >-
            A participant joining while rooms exist is given a room (the least populated).
            Default true in `automatic` mode, false otherwise.
    BreakoutOptionsPatch:
      type: object
      additionalProperties: false
      description: >-
        Options to set; a field left out keeps its value (at creation, its default). `{}` is
        accepted and changes nothing.
      properties:
        moveAutomatically:
          type: boolean
        allowChooseRoom:
          type: boolean
          description: Cannot be false in `self_select` mode.
        allowReturnToMain:
          type: boolean
        timerSeconds:
          type: [integer, 'null']
          minimum: 1
          maximum: 86400
          description: Null removes the timer.
        closeWhenTimeUp:
          type: boolean
        notifyHostWhenTimeUp:
          type: boolean
        closeCountdownSeconds:
          type: integer
          minimum: 0
          maximum: 300
        assignLateJoiners:
          type: boolean
    Breakout:
      type: object
      required: [status, mode, options, rooms, openedAt, timerEndsAt, closingEndsAt]
      properties:
        status:
          $ref: '#/components/schemas/BreakoutStatus'
        mode:
          description: Null when status is `none`.
          anyOf:
            - $ref: '#/components/schemas/BreakoutMode'
            - type: 'null'
        options:
          description: Null when status is `none`.
          anyOf:
            - $ref: '#/components/schemas/BreakoutOptions'
            - type: 'null'
        rooms:
          type: array
          description: In position order; empty when status is `none`.
          items:
            $ref: '#/components/schemas/Room'
        openedAt:
          $ref: '#/components/schemas/NullableTimestamp'
        timerEndsAt:
          $ref: '#/components/schemas/NullableTimestamp'
        closingEndsAt:
          $ref: '#/components/schemas/NullableTimestamp'
    HelpRequest:
      type: object
      required: [id, participantId, roomId, status, takenBy, createdAt]
      properties:
        id:
          $ref: '#/components/schemas/Uuid'
        participantId:
          $ref: '#/components/schemas/Uuid'
        roomId:
          $ref: '#/components/schemas/Uuid'
        status:
          type: string
          enum: [open, taken, resolved]
        takenBy:
          $ref: '#/components/schemas/NullableUuid'
        createdAt:
          $ref: '#/components/schemas/Timestamp'
    Snapshot:
      type: object
      description: The whole state the caller may see, consistent with `seq`.
      required: [seq, meeting, participants, you, breakout]
      properties:
        seq:
          type: integer
          minimum: 0
          description: The meeting's last event sequence number reflected in this snapshot.
        meeting:
          $ref: '#/components/schemas/Meeting'
        participants:
          type: array
          description: In join order.
          items:
            $ref: '#/components/schemas/Participant'
        you:
          type: object
          required: [participantId, role]
          properties:
            participantId:
              $ref: '#/components/schemas/Uuid'
            role:
              $ref: '#/components/schemas/Role'
        breakout:
          $ref: '#/components/schemas/Breakout'
        helpRequests:
          type: array
          description: Open and taken help requests, oldest first. Present only for managers.
          items:
            $ref: '#/components/schemas/HelpRequest'

    CreateMeetingRequest:
      type: object
      additionalProperties: false
      required: [title]
      properties:
        title:
          type: string
          minLength: 1
          maxLength: 200
          description: Trimmed; not only whitespace, no control characters.
        hostName:
          type: [string, 'null']
          minLength: 1
          maxLength: 64
          default: Host
          description: >-
            The host's display name. An extension to the specification's `{title, settings?}`.
        settings:
          type: [object, 'null']
          additionalProperties: false
          properties:
            breakoutRoomsEnabled:
              type: boolean
              default: true
    CreateMeetingResponse:
      type: object
      required: [meeting, hostToken, participantId]
      properties:
        meeting:
          $ref: '#/components/schemas/Meeting'
        hostToken:
          type: string
          description: The host's bearer token; shown only once.
        participantId:
          $ref: '#/components/schemas/Uuid'
          description: The host's participant id.
    JoinRequest:
      type: object
      additionalProperties: false
      required: [code, displayName]
      properties:
        code:
          type: string
          description: The meeting code, any case, spaces and dashes ignored.
        displayName:
          type: string
          minLength: 1
          maxLength: 64
        email:
          type: [string, 'null']
          maxLength: 254
          description: Optional; used for pre-assignment, visible to managers only.
    JoinResponse:
      type: object
      required: [meetingId, participantId, token]
      properties:
        meetingId:
          $ref: '#/components/schemas/Uuid'
        participantId:
          $ref: '#/components/schemas/Uuid'
        token:
          type: string
          description: The participant's bearer token; shown only once.
    SetRoleRequest:
      type: object
      additionalProperties: false
      required: [role]
      properties:
        role:
          type: string
          enum: [cohost, participant]
    RoleResult:
      type: object
      required: [participantId, role]
      properties:
        participantId:
          $ref: '#/components/schemas/Uuid'
        role:
          $ref: '#/components/schemas/Role'
    SetMuteRequest:
      type: object
      additionalProperties: false
      required: [muted]
      properties:
        muted:
          type: boolean
    MuteResult:
      type: object
      required: [participantIds, muted, by]
      properties:
        participantIds:
          type: array
          items:
            $ref: '#/components/schemas/Uuid'
        muted:
          type: boolean
        by:
          $ref: '#/components/schemas/Uuid'
          description: The manager who acted.
    CreateBreakoutRequest:
      type: object
      additionalProperties: false
      required: [roomCount, mode]
      properties:
        roomCount:
          type: integer
          minimum: 1
          maximum: 100
          description: 1 to the server's maximum number of rooms (default 100).
        mode:
          $ref: '#/components/schemas/BreakoutMode'
        options:
          description: Options to set; the others take their defaults.
          anyOf:
            - $ref: '#/components/schemas/BreakoutOptionsPatch'
            - type: 'null'
    OptionsResult:
      type: object
      required: [options]
      properties:
        options:
          $ref: '#/components/schemas/BreakoutOptions'
        timerEndsAt:
          $ref: '#/components/schemas/NullableTimestamp'
          description: Present when the change moved or removed the running timer.
    AddRoomRequest:
      type: object
      additionalProperties: false
      properties:
        name:
          type: [string, 'null']
          minLength: 1
          maxLength: 64
          description: Default the first free "Breakout room N".
    RenameRoomRequest:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        name:
          type: string
          minLength: 1
          maxLength: 64
    RenameResult:
      type: object
      required: [roomId, name]
      properties:
        roomId:
          $ref: '#/components/schemas/Uuid'
        name:
          type: string
    RoomChoice:
      type: object
      additionalProperties: false
      required: [roomId]
      properties:
        roomId:
          $ref: '#/components/schemas/NullableUuid'
          description: A room of the meeting; null is the main room (or, for an assignment, unassigned).
    AssignmentResult:
      type: object
      required: [participantId, roomId]
      properties:
        participantId:
          $ref: '#/components/schemas/Uuid'
        roomId:
          $ref: '#/components/schemas/NullableUuid'
    OpenResult:
      type: object
      required: [openedAt, timerEndsAt, moveAutomatically]
      properties:
        openedAt:
          $ref: '#/components/schemas/Timestamp'
        timerEndsAt:
          $ref: '#/components/schemas/NullableTimestamp'
        moveAutomatically:
          type: boolean
          description: |
            True: every participant with an assigned room is now in it (also the payload of the
            `breakout_opened` event). False: each assigned participant got a `move_prompt`.
    CloseResult:
      oneOf:
        - type: object
          title: Countdown
          required: [closingEndsAt, countdownSeconds]
          properties:
            closingEndsAt:
              $ref: '#/components/schemas/Timestamp'
            countdownSeconds:
              type: integer
              minimum: 1
              maximum: 300
        - type: object
          title: Closed
          required: [closedAt]
          properties:
            closedAt:
              $ref: '#/components/schemas/Timestamp'
    MoveResult:
      type: object
      required: [participantId, from, to]
      properties:
        participantId:
          $ref: '#/components/schemas/Uuid'
        from:
          $ref: '#/components/schemas/NullableUuid'
        to:
          $ref: '#/components/schemas/NullableUuid'
    BroadcastRequest:
      type: object
      additionalProperties: false
      required: [message]
      properties:
        message:
          type: string
          minLength: 1
          maxLength: 140
          description: 1–140 characters (an emoji counts once); not only whitespace.
        roomId:
          $ref: '#/components/schemas/NullableUuid'
          description: Only to the people in this room (and the managers); null or absent for everyone.
    BroadcastResult:
      type: object
      required: [message, roomId, from, sentAt]
      properties:
        message:
          type: string
        roomId:
          $ref: '#/components/schemas/NullableUuid'
        from:
          $ref: '#/components/schemas/Uuid'
        sentAt:
          $ref: '#/components/schemas/Timestamp'
    EmptyRequest:
      type: object
      additionalProperties: false
      maxProperties: 0
      description: No fields; an empty body is accepted too.
"""#
}
