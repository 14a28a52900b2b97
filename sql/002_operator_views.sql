-- Views for operators reading live state with psql. Examples are in docs/operations.md.

-- One row per active meeting: its breakout status and head counts.
CREATE VIEW breakout_status AS
SELECT m.code,
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

-- Who is where: one row per participant of an active meeting.
CREATE VIEW breakout_room_members AS
SELECT m.code AS meeting_code,
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

-- Pending and recently fired timers.
CREATE VIEW breakout_timers AS
SELECT m.code AS meeting_code,
       t.meeting_id,
       t.kind,
       t.due_at,
       t.fired_at,
       t.fired_by,
       CASE WHEN t.fired_at IS NULL THEN t.due_at - now() END AS due_in,
       t.fired_at - t.due_at AS lateness
FROM timers t
JOIN meetings m ON m.id = t.meeting_id;
