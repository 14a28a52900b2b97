-- Operators' views without join codes and media ids (issue 27): a meeting's code lets anyone join
-- it and a Janus room id names its media, so `breakout_readonly` sees them as NULL. Operators who
-- need them (finding a meeting by the code a teacher reads out) are granted a second role as well:
--   GRANT breakout_readonly_codes TO alice;
-- The database's owner and superusers see them as before. And `breakout_readonly` reads views only:
-- its grant on the users table goes (breakout_people, breakout_meetings and breakout_signed_in
-- show what operators need of people). Each view keeps its columns, so queries written for it still run.

-- Whether the role running the query may see codes and media ids: a superuser, anyone who is not
-- an operator of breakout_readonly, or an operator granted breakout_readonly_codes too.
CREATE OR REPLACE FUNCTION breakout_shows_codes() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT COALESCE((SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user), false)
        OR NOT EXISTS (SELECT 1 FROM pg_roles o WHERE o.rolname = 'breakout_readonly' AND pg_has_role(current_user, o.oid, 'MEMBER'))
        OR EXISTS (SELECT 1 FROM pg_roles c WHERE c.rolname = 'breakout_readonly_codes' AND pg_has_role(current_user, c.oid, 'MEMBER'))
$$;

CREATE OR REPLACE VIEW breakout_status AS
SELECT CASE WHEN breakout_shows_codes() THEN m.code END AS code,
       m.title,
       m.id AS meeting_id,
       COALESCE(b.status, 'none') AS breakout_status,
       b.mode,
       (SELECT count(*) FROM rooms r WHERE r.meeting_id = m.id) AS rooms,
       (SELECT count(*) FROM participants p WHERE p.meeting_id = m.id) AS participants,
       (SELECT count(*) FROM participants p WHERE p.meeting_id = m.id AND p.location_room_id IS NOT NULL) AS in_rooms,
       b.opened_at,
       b.timer_ends_at,
       b.closing_ends_at,
       m.last_seq
FROM meetings m
LEFT JOIN breakouts b ON b.meeting_id = m.id
WHERE m.status = 'active';

CREATE OR REPLACE VIEW breakout_room_members AS
SELECT CASE WHEN breakout_shows_codes() THEN m.code END AS meeting_code,
       p.meeting_id,
       assigned.name AS assigned_room,
       COALESCE(location.name, 'main') AS location,
       p.display_name AS participant,
       p.id AS participant_id,
       p.role,
       p.muted_by_host
FROM participants p
JOIN meetings m ON m.id = p.meeting_id AND m.status = 'active'
LEFT JOIN rooms assigned ON assigned.meeting_id = p.meeting_id AND assigned.id = p.assigned_room_id
LEFT JOIN rooms location ON location.meeting_id = p.meeting_id AND location.id = p.location_room_id;

CREATE OR REPLACE VIEW breakout_timers AS
SELECT CASE WHEN breakout_shows_codes() THEN m.code END AS meeting_code,
       t.meeting_id,
       t.kind,
       t.due_at,
       t.fired_at,
       t.fired_by,
       t.outcome,
       CASE WHEN t.fired_at IS NULL THEN t.due_at - now() END AS due_in,
       t.fired_at - t.due_at AS lateness
FROM timers t
JOIN meetings m ON m.id = t.meeting_id;

CREATE OR REPLACE VIEW breakout_preassignments AS
SELECT CASE WHEN breakout_shows_codes() THEN m.code END AS code, pa.position, pa.room_name, pa.email, p.display_name AS joined_as, r.name AS assigned_room, pa.subject
FROM preassignments pa
JOIN meetings m ON m.id = pa.meeting_id
LEFT JOIN participants p ON p.meeting_id = pa.meeting_id
    AND (p.email = pa.email OR p.user_id IN (SELECT u.id FROM users u WHERE u.subject = pa.subject))
LEFT JOIN rooms r ON r.meeting_id = p.meeting_id AND r.id = p.assigned_room_id;

CREATE OR REPLACE VIEW breakout_meetings AS
SELECT CASE WHEN breakout_shows_codes() THEN m.code END AS code,
       m.title,
       m.status,
       u.email AS owner_email,
       u.name AS owner_name,
       m.who_may_join,
       m.alternative_hosts,
       m.created_at,
       m.ended_at,
       m.id AS meeting_id
FROM meetings m
LEFT JOIN users u ON u.id = m.owner_id;

CREATE OR REPLACE VIEW breakout_presence AS
WITH assignments AS (
    -- Every assignment as the log tells it: (participant, room or NULL, seq).
    SELECT e.meeting_id, person.id::uuid AS participant_id, room.key::uuid AS room_id, e.seq
    FROM events e, jsonb_each(e.payload->'assignments') AS room, jsonb_array_elements_text(room.value) AS person(id)
    WHERE e.type = 'breakout_created'
    UNION ALL
    SELECT e.meeting_id, (e.payload->>'participantId')::uuid, (e.payload->>'roomId')::uuid, e.seq
    FROM events e WHERE e.type = 'assignment_changed'
    UNION ALL
    SELECT e.meeting_id, (e.payload->'participant'->>'id')::uuid, (e.payload->'participant'->>'assignedRoomId')::uuid, e.seq
    FROM events e WHERE e.type = 'participant_joined'
), moves AS (
    -- Every event that puts one person somewhere: (participant, room or NULL for out of every room, seq).
    SELECT e.meeting_id, (e.payload->'participant'->>'id')::uuid AS participant_id,
           (e.payload->'participant'->>'location')::uuid AS room_id, e.seq
    FROM events e WHERE e.type = 'participant_joined'
    UNION ALL
    SELECT e.meeting_id, (e.payload->>'participantId')::uuid, (e.payload->>'to')::uuid, e.seq
    FROM events e WHERE e.type = 'participant_moved'
    UNION ALL
    SELECT e.meeting_id, (e.payload->>'participantId')::uuid, NULL, e.seq
    FROM events e WHERE e.type = 'participant_left'
    UNION ALL
    SELECT e.meeting_id, person.id::uuid, NULL, e.seq
    FROM events e, jsonb_array_elements_text(e.payload->'movedToMain') AS person(id)
    WHERE e.type = 'room_deleted'
    UNION ALL
    -- Opening with moveAutomatically: each person's latest assignment since the rooms were
    -- created, if its room still stands and the person is still in the meeting.
    SELECT o.meeting_id, a.participant_id, a.room_id, o.seq
    FROM events o
    CROSS JOIN LATERAL (
        SELECT DISTINCT ON (a.participant_id) a.participant_id, a.room_id
        FROM assignments a
        WHERE a.meeting_id = o.meeting_id AND a.seq < o.seq
          AND a.seq >= (SELECT max(c.seq) FROM events c
                        WHERE c.meeting_id = o.meeting_id AND c.type = 'breakout_created' AND c.seq < o.seq)
        ORDER BY a.participant_id, a.seq DESC
    ) a
    WHERE o.type = 'breakout_opened' AND (o.payload->>'moveAutomatically')::boolean
      AND a.room_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM events d WHERE d.meeting_id = o.meeting_id AND d.type = 'room_deleted'
                      AND d.seq < o.seq AND (d.payload->>'roomId')::uuid = a.room_id)
      AND NOT EXISTS (SELECT 1 FROM events l WHERE l.meeting_id = o.meeting_id AND l.type = 'participant_left'
                      AND l.seq < o.seq AND (l.payload->>'participantId')::uuid = a.participant_id)
), stays AS (
    -- Each entry into a room and the person's next move, whatever it is.
    SELECT m.meeting_id, m.participant_id, m.room_id, m.seq,
           lead(m.seq) OVER (PARTITION BY m.meeting_id, m.participant_id ORDER BY m.seq) AS next_seq
    FROM moves m
), room_names AS (
    -- Each room's latest name: a renamed room keeps its id. Keyed by meeting too, so that a
    -- query for one meeting reads only that meeting's events.
    SELECT DISTINCT ON (n.meeting_id, n.room_id) n.meeting_id, n.room_id, n.name
    FROM (
        SELECT e.meeting_id, (room->>'id')::uuid AS room_id, room->>'name' AS name, e.seq
        FROM events e, jsonb_array_elements(e.payload->'breakout'->'rooms') AS room
        WHERE e.type = 'breakout_created'
        UNION ALL
        SELECT e.meeting_id, (e.payload->'room'->>'id')::uuid, e.payload->'room'->>'name', e.seq FROM events e WHERE e.type = 'room_added'
        UNION ALL
        SELECT e.meeting_id, (e.payload->>'roomId')::uuid, e.payload->>'name', e.seq FROM events e WHERE e.type = 'room_renamed'
    ) n
    ORDER BY n.meeting_id, n.room_id, n.seq DESC
)
SELECT CASE WHEN breakout_shows_codes() THEN mt.code END AS meeting_code,
       s.meeting_id,
       (SELECT count(*) FROM events o WHERE o.meeting_id = s.meeting_id AND o.type = 'breakout_opened' AND o.seq <= s.seq)::int AS round,
       rn.name AS room,
       s.room_id,
       j.payload->'participant'->>'displayName' AS participant,
       s.participant_id,
       j.payload->'participant'->>'email' AS email,
       started.created_at AS from_at,
       ended.created_at AS to_at,
       -- Whole seconds, never negative: a command that waited for the meeting's lock writes a
       -- created_at (its transaction's start) a little before the event it follows.
       greatest(0, floor(extract(epoch FROM COALESCE(ended.created_at, now()) - started.created_at)))::int AS seconds
FROM stays s
JOIN meetings mt ON mt.id = s.meeting_id
JOIN events started ON started.meeting_id = s.meeting_id AND started.seq = s.seq
LEFT JOIN room_names rn ON rn.meeting_id = s.meeting_id AND rn.room_id = s.room_id
LEFT JOIN events j ON j.meeting_id = s.meeting_id AND j.type = 'participant_joined'
                  AND (j.payload->'participant'->>'id')::uuid = s.participant_id
-- The stay ends at the person's next move or at the next closing or end of the meeting, whichever is first.
LEFT JOIN LATERAL (
    SELECT e.created_at FROM events e
    WHERE e.meeting_id = s.meeting_id AND e.seq > s.seq
      AND (e.seq = s.next_seq OR (e.type IN ('breakout_closed', 'meeting_ended') AND e.seq < COALESCE(s.next_seq, 9223372036854775807)))
    ORDER BY e.seq LIMIT 1
) ended ON true
WHERE s.room_id IS NOT NULL;

CREATE OR REPLACE VIEW breakout_media AS
SELECT p.meeting_id, p.id AS participant_id, p.display_name,
       CASE WHEN breakout_shows_codes() THEN CASE WHEN p.location_room_id IS NULL THEN 'main-' || p.meeting_id ELSE 'room-' || p.location_room_id END END AS wanted_room,
       CASE WHEN breakout_shows_codes() THEN a.janus_room END AS allowed_room, r.server,
       p.muted_by_host, a.muted AS mute_applied
FROM participants p
JOIN meetings m ON m.id = p.meeting_id AND m.status = 'active'
LEFT JOIN media_allowed a ON a.participant_id = p.id
LEFT JOIN media_rooms r ON r.janus_room = a.janus_room;

-- People as operators need them, in place of the users table: no claims, no provider subject.
CREATE VIEW breakout_people AS
SELECT u.email, u.name, u.email_verified, u.created_at, u.last_sign_in_at
FROM users u;

DO $$
BEGIN
    BEGIN
        CREATE ROLE breakout_readonly_codes NOLOGIN;
    EXCEPTION
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'breakout_readonly_codes not created: this user may not create roles';
    END;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'breakout_readonly') THEN
        REVOKE SELECT ON users FROM breakout_readonly;
        GRANT SELECT ON breakout_people TO breakout_readonly;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'breakout_readonly keeps its grant on users: this user may not revoke it';
END
$$;
