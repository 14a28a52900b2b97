-- Moves, the commonest write, made cheaper for PostgreSQL (docs/BENCHMARKS.md, run M).
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
