-- The facts of a command, as typed columns instead of one jsonb document (docs/BENCHMARKS.md,
-- run N). Under the many-meetings load the node spent 7 % of its CPU decoding the facts' JSON
-- (and more formatting and parsing the hex of token hashes and the text of ids), and PostgreSQL
-- built that JSON with jsonb_build_object and turned it into text for every command. Columns come
-- in PostgreSQL's binary form: an id is 16 bytes, an array of them one length and the bytes.
--
-- One row per meeting, in the order of p_meetings, which are locked in that order, one after the
-- other, as `breakout_group_command_facts` (010) does; a single meeting is an array of one. The
-- callers, members and claims come as flat arrays, each element with the position (1-based) of
-- its meeting in p_meetings.
--
-- Arrays cannot say NULL in PostgresNIO's decoding of `[UUID]`, so a participant in the main room
-- (no location) or without an assigned room has the nil UUID there, and a stored answer without
-- a result an empty text; no room or answer has those values.
--
-- The jsonb functions of 005/009/010 stay: nodes of the previous version call them until they
-- are replaced (a rolling restart).
CREATE FUNCTION breakout_command_facts_rows(
    p_meetings uuid[],
    p_token_owner int[], p_token_hashes bytea[],
    p_member_owner int[], p_member_ids uuid[],
    p_claim_owner int[], p_claim_scopes bytea[], p_claim_keys text[]
) RETURNS TABLE (
    ord int,
    meeting_exists boolean,
    status text,
    breakout_rooms_enabled boolean,
    last_seq bigint,
    now_micros bigint,
    breakout_status text,
    breakout_mode text,
    move_automatically boolean,
    allow_choose_room boolean,
    allow_return_to_main boolean,
    timer_seconds int,
    close_when_time_up boolean,
    notify_host_when_time_up boolean,
    close_countdown_seconds int,
    assign_late_joiners boolean,
    opened_at_micros bigint,
    timer_ends_at_micros bigint,
    closing_ends_at_micros bigint,
    room_ids uuid[],
    room_names text[],
    room_positions int[],
    member_ids uuid[],
    member_roles text[],
    member_locations uuid[],
    member_assigned uuid[],
    member_muted boolean[],
    member_token_hashes bytea[],
    claim_scopes bytea[],
    claim_keys text[],
    claim_fingerprints bytea[],
    claim_results text[]
)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    meeting uuid;
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_meetings, 1), 0) LOOP
        meeting := p_meetings[i];
        ord := i;
        SELECT m.status, m.breakout_rooms_enabled, m.last_seq, (extract(epoch FROM now()) * 1000000)::bigint
        INTO status, breakout_rooms_enabled, last_seq, now_micros
        FROM meetings m WHERE m.id = meeting
        FOR UPDATE;
        meeting_exists := FOUND;
        -- No such meeting: the row says only that (its other columns mean nothing).
        IF NOT meeting_exists THEN
            RETURN NEXT;
            CONTINUE;
        END IF;

        -- No breakout row: these are all NULL.
        SELECT b.status, b.mode, b.move_automatically, b.allow_choose_room, b.allow_return_to_main,
               b.timer_seconds, b.close_when_time_up, b.notify_host_when_time_up, b.close_countdown_seconds,
               b.assign_late_joiners,
               (extract(epoch FROM b.opened_at) * 1000000)::bigint,
               (extract(epoch FROM b.timer_ends_at) * 1000000)::bigint,
               (extract(epoch FROM b.closing_ends_at) * 1000000)::bigint
        INTO breakout_status, breakout_mode, move_automatically, allow_choose_room, allow_return_to_main,
             timer_seconds, close_when_time_up, notify_host_when_time_up, close_countdown_seconds,
             assign_late_joiners, opened_at_micros, timer_ends_at_micros, closing_ends_at_micros
        FROM breakouts b WHERE b.meeting_id = meeting;

        SELECT coalesce(array_agg(r.id ORDER BY r.position), '{}'),
               coalesce(array_agg(r.name ORDER BY r.position), '{}'),
               coalesce(array_agg(r.position ORDER BY r.position), '{}')
        INTO room_ids, room_names, room_positions
        FROM rooms r WHERE r.meeting_id = meeting;

        SELECT coalesce(array_agg(p.id), '{}'),
               coalesce(array_agg(p.role), '{}'),
               coalesce(array_agg(coalesce(p.location_room_id, '00000000-0000-0000-0000-000000000000')), '{}'),
               coalesce(array_agg(coalesce(p.assigned_room_id, '00000000-0000-0000-0000-000000000000')), '{}'),
               coalesce(array_agg(p.muted_by_host), '{}'),
               coalesce(array_agg(p.token_hash), '{}')
        INTO member_ids, member_roles, member_locations, member_assigned, member_muted, member_token_hashes
        FROM participants p
        WHERE p.meeting_id = meeting
          AND (p.token_hash = ANY (ARRAY(SELECT t.hash FROM unnest(p_token_owner, p_token_hashes) AS t (owner, hash) WHERE t.owner = i))
               OR p.id = ANY (ARRAY(SELECT m.id FROM unnest(p_member_owner, p_member_ids) AS m (owner, id) WHERE m.owner = i)));

        SELECT coalesce(array_agg(k.scope), '{}'),
               coalesce(array_agg(k.key), '{}'),
               coalesce(array_agg(k.fingerprint), '{}'),
               coalesce(array_agg(coalesce(k.result::text, '')), '{}')
        INTO claim_scopes, claim_keys, claim_fingerprints, claim_results
        FROM idempotency_keys k
        JOIN unnest(p_claim_owner, p_claim_scopes, p_claim_keys) AS c (owner, scope, key)
          ON c.owner = i AND k.scope = c.scope AND k.key = c.key;

        RETURN NEXT;
    END LOOP;
END
$$;
