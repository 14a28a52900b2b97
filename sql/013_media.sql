-- Media (Janus): what the nodes last applied to the media server, so that each change sends Janus
-- only the difference, and operators can see with SQL who Janus lets in where. The database's
-- own tables (participants.location_room_id, rooms, muted_by_host) decide; these rows follow them,
-- written by whichever node's media worker reconciled the meeting last. Commands never touch
-- them, so a command never waits for media.

-- One row per meeting the media worker has seen. A worker claims a meeting by locking its row
-- (FOR UPDATE SKIP LOCKED): one reconcile per meeting at a time, over all nodes. applied_seq is
-- the meeting's last_seq that the media server reflects; -1 means "rebuild" (Janus restarted).
CREATE TABLE media_meetings (
    meeting_id  uuid PRIMARY KEY REFERENCES meetings (id),
    applied_seq bigint NOT NULL DEFAULT -1,
    applied_at  timestamptz
);

-- The Janus videorooms that exist for a meeting: `main-<meeting id>` for the main session and
-- `room-<room id>` for each breakout room, on the Janus server `server` (its API URL). Several
-- Janus servers can share the load with meetings spread over them; each room records its own.
CREATE TABLE media_rooms (
    janus_room text PRIMARY KEY,
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    server     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_rooms_by_meeting ON media_rooms (meeting_id);

-- Whose media token sits in which room's `allowed` list, and whether the host's mute was last
-- applied to them there. No foreign key to participants: a participant who left is removed from
-- Janus first, then from here.
CREATE TABLE media_allowed (
    janus_room     text NOT NULL REFERENCES media_rooms (janus_room) ON DELETE CASCADE,
    participant_id uuid NOT NULL,
    meeting_id     uuid NOT NULL,
    muted          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (janus_room, participant_id)
);
CREATE INDEX media_allowed_by_meeting ON media_allowed (meeting_id);
CREATE INDEX media_allowed_muted ON media_allowed (janus_room) WHERE muted;

-- The media workers' sweep looks for live meetings whose media lags their events.
CREATE INDEX meetings_active ON meetings (id) WHERE status = 'active';

-- For operators: where each participant's media is allowed, beside where the database puts them.
CREATE VIEW breakout_media AS
SELECT p.meeting_id, p.id AS participant_id, p.display_name,
       CASE WHEN p.location_room_id IS NULL THEN 'main-' || p.meeting_id ELSE 'room-' || p.location_room_id END AS wanted_room,
       a.janus_room AS allowed_room, r.server,
       p.muted_by_host, a.muted AS mute_applied
FROM participants p
JOIN meetings m ON m.id = p.meeting_id AND m.status = 'active'
LEFT JOIN media_allowed a ON a.participant_id = p.id
LEFT JOIN media_rooms r ON r.janus_room = a.janus_room;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'breakout_readonly') THEN
        GRANT SELECT ON breakout_media TO breakout_readonly;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'breakout_readonly not granted breakout_media: this user may not grant it';
END
$$;

-- A reconcile's attempt, written (and committed) before its first Janus call and deleted with its
-- commit. One left behind means a reconcile died between its Janus calls and its commit (a node
-- killed, Janus or the database lost half-way): what media_allowed says may then be wrong in
-- either direction, so the next reconcile of that meeting reads the real allowed lists from Janus
-- instead of trusting it.
CREATE TABLE media_attempts (
    id         bigserial PRIMARY KEY,
    meeting_id uuid NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_attempts_by_meeting ON media_attempts (meeting_id);
