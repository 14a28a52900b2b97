-- The first step of a transaction shared by the batches of several meetings (group commit across
-- meetings, `CommitGroup`), in one round trip: the facts of each meeting, as
-- `breakout_command_facts` reads them, one row per meeting in the order given. The caller gives
-- the meetings in id order, and they are locked in that order, one after the other (a loop, not a
-- set-returning query whose order the planner could change), so that two such transactions, or
-- one and the timers (which lock in the same order), never wait for each other in a circle.
--
-- The callers, members and claims of all meetings come as flat arrays, each element with the
-- position (1-based) of its meeting in p_meetings.
CREATE FUNCTION breakout_group_command_facts(
    p_meetings uuid[],
    p_token_owner int[], p_token_hashes bytea[],
    p_member_owner int[], p_member_ids uuid[],
    p_claim_owner int[], p_claim_scopes bytea[], p_claim_keys text[]
) RETURNS TABLE (ord int, facts jsonb)
LANGUAGE plpgsql VOLATILE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_meetings, 1), 0) LOOP
        ord := i;
        facts := breakout_command_facts(
            p_meetings[i],
            ARRAY(SELECT t.hash FROM unnest(p_token_owner, p_token_hashes) AS t (owner, hash) WHERE t.owner = i),
            ARRAY(SELECT m.id FROM unnest(p_member_owner, p_member_ids) AS m (owner, id) WHERE m.owner = i),
            ARRAY(SELECT c.scope FROM unnest(p_claim_owner, p_claim_scopes, p_claim_keys) AS c (owner, scope, key) WHERE c.owner = i),
            ARRAY(SELECT c.key FROM unnest(p_claim_owner, p_claim_scopes, p_claim_keys) AS c (owner, scope, key) WHERE c.owner = i));
        RETURN NEXT;
    END LOOP;
END
$$;
