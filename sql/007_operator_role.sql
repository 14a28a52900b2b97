-- A role for operators who check live state with psql: it reads the operators' views and nothing
-- else — no table, so no token hash, no stored idempotency answer, and no write. It cannot log in;
-- grant it to each operator's own login role: GRANT breakout_readonly TO alice;
--
-- Roles belong to the whole PostgreSQL cluster and creating one needs CREATEROLE. Where the
-- service's database user may not create roles (a managed database), the migration says so and
-- goes on: an administrator can run these statements by hand. Several databases of one cluster
-- (or nodes migrating at once) may race to create it; the loser takes the winner's role.
DO $$
BEGIN
    BEGIN
        CREATE ROLE breakout_readonly NOLOGIN;
    EXCEPTION
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'breakout_readonly not created: this user may not create roles';
            RETURN;
    END;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO breakout_readonly', current_schema());
    GRANT SELECT ON breakout_status, breakout_room_members, breakout_timers, breakout_nodes,
        breakout_preassignments TO breakout_readonly;
END
$$;
