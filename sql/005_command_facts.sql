-- The first step of every command, in one round trip: lock the meeting's row, then read the facts
-- the rules need, as one JSON document.
--
-- Why a function: in READ COMMITTED a statement that waits for a row lock re-reads only the locked
-- row afterwards; every other table in that same statement would still be read as of before the
-- wait, i.e. before the command that held the lock committed. A PL/pgSQL function runs each of its
-- statements with a fresh snapshot, so the reads below, made after the lock is granted, see every
-- command committed before this one. The callers are authenticated here too (by token hash), so a
-- command needs no round trip of its own for that.
--
-- p_token_hashes: the callers' token hashes (SHA-256); their members are returned with tokenHash.
-- p_member_ids:   other members the commands are about (targets of an assignment, a mute, …).
-- p_claim_scopes, p_claim_keys: Idempotency-Keys of the commands; their stored answers are returned.
CREATE FUNCTION breakout_command_facts(
    p_meeting uuid, p_token_hashes bytea[], p_member_ids uuid[], p_claim_scopes bytea[], p_claim_keys text[]
) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
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
    -- Tokens of another meeting: such a caller gets "not found", an unknown token "invalid token".
    RETURN facts || jsonb_build_object('foreignTokens', COALESCE((
        SELECT jsonb_agg(encode(p.token_hash, 'hex')) FROM participants p
        WHERE p.token_hash = ANY (p_token_hashes) AND p.meeting_id <> p_meeting), '[]'::jsonb));
END
$$;
