-- The facts function of 005, made cheaper for PostgreSQL (a profile of 200 meetings busy at once
-- showed its statements' planning and a lookup of "foreign" tokens as a large share of the
-- database server's time):
--
-- * It no longer looks for callers' tokens in other meetings. That lookup ran on every command and
--   matters only when a caller is not a member of the meeting (to answer 404 rather than 401); the
--   store now asks that in a query of its own, in that rare case only (`MeetingStore.apply`).
-- * Its statements use generic plans (`plan_cache_mode`): they read by primary key or by meeting,
--   and PostgreSQL otherwise re-planned them for every call's values. A plan is rebuilt when
--   ANALYZE (autovacuum) changes a table's statistics.
CREATE OR REPLACE FUNCTION breakout_command_facts(
    p_meeting uuid, p_token_hashes bytea[], p_member_ids uuid[], p_claim_scopes bytea[], p_claim_keys text[]
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    facts jsonb;
BEGIN
    PERFORM 1 FROM meetings WHERE id = p_meeting FOR UPDATE;
    IF NOT FOUND THEN
        facts := jsonb_build_object('exists', false);
    ELSE
        SELECT jsonb_build_object(
            'exists', true,
            'status', m.status,
            'breakoutRoomsEnabled', m.breakout_rooms_enabled,
            'lastSeq', m.last_seq,
            'nowMicros', (extract(epoch FROM now()) * 1000000)::bigint,
            'breakout', (
                SELECT jsonb_build_object(
                    'status', b.status, 'mode', b.mode,
                    'moveAutomatically', b.move_automatically, 'allowChooseRoom', b.allow_choose_room,
                    'allowReturnToMain', b.allow_return_to_main, 'timerSeconds', b.timer_seconds,
                    'closeWhenTimeUp', b.close_when_time_up, 'notifyHostWhenTimeUp', b.notify_host_when_time_up,
                    'closeCountdownSeconds', b.close_countdown_seconds, 'assignLateJoiners', b.assign_late_joiners,
                    'openedAtMicros', (extract(epoch FROM b.opened_at) * 1000000)::bigint,
                    'timerEndsAtMicros', (extract(epoch FROM b.timer_ends_at) * 1000000)::bigint,
                    'closingEndsAtMicros', (extract(epoch FROM b.closing_ends_at) * 1000000)::bigint)
                FROM breakouts b WHERE b.meeting_id = m.id),
            'rooms', COALESCE((
                SELECT jsonb_agg(jsonb_build_object('id', r.id, 'name', r.name, 'position', r.position) ORDER BY r.position)
                FROM rooms r WHERE r.meeting_id = m.id), '[]'::jsonb),
            'members', COALESCE((
                SELECT jsonb_agg(jsonb_build_object(
                    'id', p.id, 'role', p.role, 'location', p.location_room_id, 'assignedRoomId', p.assigned_room_id,
                    'mutedByHost', p.muted_by_host, 'tokenHash', encode(p.token_hash, 'hex')))
                FROM participants p
                WHERE p.meeting_id = m.id AND (p.token_hash = ANY (p_token_hashes) OR p.id = ANY (p_member_ids))), '[]'::jsonb),
            'claims', COALESCE((
                SELECT jsonb_agg(jsonb_build_object(
                    'scope', encode(k.scope, 'hex'), 'key', k.key, 'fingerprint', encode(k.fingerprint, 'hex'), 'result', k.result))
                FROM idempotency_keys k
                JOIN unnest(p_claim_scopes, p_claim_keys) AS c (scope, key) ON k.scope = c.scope AND k.key = c.key), '[]'::jsonb))
        INTO facts
        FROM meetings m WHERE m.id = p_meeting;
    END IF;
    RETURN facts;
END
$$;
