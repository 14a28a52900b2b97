-- Pre-assignment lists: per meeting, (room name, email) pairs the host uploads (Zoom's CSV template
-- or JSON), loadable before rooms exist. Each upload replaces the meeting's list whole. Creating
-- rooms in 'preassigned' mode makes one room per distinct room_name (in position order) and
-- assigns every member whose email matches; late joiners whose email matches go to the room of
-- that name, if it still exists.
CREATE TABLE preassignments (
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    -- The entry's place in the uploaded list: rooms are made in first-seen order.
    position   integer NOT NULL CHECK (position >= 1),
    room_name  text NOT NULL CHECK (char_length(room_name) BETWEEN 1 AND 64),
    email      text NOT NULL CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
    PRIMARY KEY (meeting_id, email),
    UNIQUE (meeting_id, position)
);

-- Operators: who is pre-assigned where, and whether they have joined.
--   SELECT * FROM breakout_preassignments WHERE code = 'K7XQ2M9RTA';
CREATE VIEW breakout_preassignments AS
SELECT m.code, pa.position, pa.room_name, pa.email, p.display_name AS joined_as, r.name AS assigned_room
FROM preassignments pa
JOIN meetings m ON m.id = pa.meeting_id
LEFT JOIN participants p ON p.meeting_id = pa.meeting_id AND p.email = pa.email
LEFT JOIN rooms r ON r.meeting_id = p.meeting_id AND r.id = p.assigned_room_id;
