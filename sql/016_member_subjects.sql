-- Members by provider subject (docs/rules.md, "Courses"): a pre-assignment entry names its person
-- by email or by the campus provider's `sub` claim (users.subject), exactly one of them. The
-- subject reaches people whose provider gives no email, or whose email changes; it is matched only
-- to a participant who signed in with it. Group sets need no change: their jsonb entries are
-- {room, email} or {room, subject} alike.
ALTER TABLE preassignments DROP CONSTRAINT preassignments_pkey;
ALTER TABLE preassignments ALTER COLUMN email DROP NOT NULL;
-- OpenID Connect's `sub` is at most 255 characters.
ALTER TABLE preassignments
    ADD COLUMN subject text CHECK (char_length(subject) BETWEEN 1 AND 255),
    ADD CONSTRAINT preassignments_one_member CHECK (num_nonnulls(email, subject) = 1);
-- The entry's place in the list identifies it now; each person is listed once per meeting, by
-- email or by subject (these indexes also serve the lookups when someone joins).
ALTER TABLE preassignments
    DROP CONSTRAINT preassignments_meeting_id_position_key,
    ADD PRIMARY KEY (meeting_id, position);
CREATE UNIQUE INDEX preassignments_meeting_email ON preassignments (meeting_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX preassignments_meeting_subject ON preassignments (meeting_id, subject) WHERE subject IS NOT NULL;

-- Operators: the entry's subject too, and whether its person has joined (by email, or signed in
-- with that subject).
CREATE OR REPLACE VIEW breakout_preassignments AS
SELECT m.code, pa.position, pa.room_name, pa.email, p.display_name AS joined_as, r.name AS assigned_room, pa.subject
FROM preassignments pa
JOIN meetings m ON m.id = pa.meeting_id
LEFT JOIN participants p ON p.meeting_id = pa.meeting_id
    AND (p.email = pa.email OR p.user_id IN (SELECT u.id FROM users u WHERE u.subject = pa.subject))
LEFT JOIN rooms r ON r.meeting_id = p.meeting_id AND r.id = p.assigned_room_id;
