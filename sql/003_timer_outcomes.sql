-- Commands no longer move or delete timer rows: changing the room timer inserts a new row, and
-- the scheduler checks under the meeting's lock whether a due row still matches the breakout
-- (timer_ends_at / closing_ends_at). Rows that no longer match fire as 'stale' and do nothing.
-- So commands never lock timer rows, and the scheduler can claim due rows with
-- FOR UPDATE SKIP LOCKED before it locks the meeting without any risk of deadlock.
DROP INDEX timers_one_pending_per_kind;
ALTER TABLE timers ADD COLUMN outcome text CHECK (outcome IN ('fired', 'stale'));
CREATE INDEX timers_by_meeting ON timers (meeting_id);

DROP VIEW breakout_timers;
CREATE VIEW breakout_timers AS
SELECT m.code AS meeting_code,
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
