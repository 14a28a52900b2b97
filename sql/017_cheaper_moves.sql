-- Commands, moves above all, made cheaper for PostgreSQL (docs/BENCHMARKS.md, run M).
--
-- A move changes a participant's `location_room_id` (and an assignment its `assigned_room_id`).
-- Both columns were indexed, so every such UPDATE wrote a new version of the row into every index
-- of `participants` (five of them). Nothing needs these two indexes: every query that filters on
-- a room also names the meeting, whose primary-key prefix finds its participants (a meeting has at
-- most a few thousand), and so does the foreign keys' ON DELETE SET NULL when rooms go. Without
-- them a move changes no indexed column, and with room left on each page (fillfactor) PostgreSQL
-- writes it as a heap-only tuple: no index entry at all.
DROP INDEX IF EXISTS participants_by_location;
DROP INDEX IF EXISTS participants_by_assignment;
-- New pages keep a fifth free for the next versions of their rows (existing pages follow as they
-- are rewritten by updates and vacuum).
ALTER TABLE participants SET (fillfactor = 80);

-- Every command appends events, and the foreign key from events to meetings made PostgreSQL look
-- the meeting up again for each row (an RI trigger, about a sixth of the database's CPU for a
-- sequential move with the participants' key below). It checks nothing the write does not already
-- guarantee: events are appended only by the statement that also bumps that meeting's
-- `last_seq`, by a transaction that holds the meeting's row lock (taken by the facts call), and
-- meetings are never deleted (they end). The key of the participants' location and assignment
-- stays: it keeps a participant inside its own meeting's rooms and empties those columns when
-- rooms go.
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_meeting_id_fkey;
