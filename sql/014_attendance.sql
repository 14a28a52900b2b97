-- Attendance for operators: who was in which breakout room and for how long, one row per stay,
-- computed from the event log as the API's GET …/attendance computes it (docs/decisions.md,
-- "Attendance"; the tests hold both to the same rows). The main session is not a room: no rows.
--
-- A stay begins when someone enters a room: joining straight into it, "open all rooms" with
-- moveAutomatically (everyone assigned enters their room), or a participant_moved to it. It ends
-- at that person's next move (to main or to another room), leaving, the deletion of the room, the
-- rooms closing (breakout_closed, at once or when the countdown ends) or the meeting ending,
-- whichever comes first. A stay still going has no to_at; its seconds run to now().
--
--   SELECT participant, room, from_at, to_at, seconds FROM breakout_presence
--   WHERE meeting_code = 'K7XQ2M9RTA' ORDER BY round, room, from_at;

CREATE VIEW breakout_presence AS
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
SELECT mt.code AS meeting_code,
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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'breakout_readonly') THEN
        GRANT SELECT ON breakout_presence TO breakout_readonly;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'breakout_readonly not granted breakout_presence: this user may not grant it';
END
$$;
