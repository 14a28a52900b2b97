-- Breakout core schema. Constraints here keep the invariants true even if the code has a bug:
-- one host per meeting, unique room names per meeting, one location per participant (a column),
-- rooms and assignments within the participant's own meeting, a gap-free event seq per meeting.

CREATE TABLE meetings (
    id                     uuid PRIMARY KEY,
    code                   text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Z]{4,16}$'),
    title                  text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    breakout_rooms_enabled boolean NOT NULL DEFAULT true,
    status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    -- The seq of the meeting's newest event; commands lock this row and bump it.
    last_seq               bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
    created_at             timestamptz NOT NULL DEFAULT now(),
    ended_at               timestamptz,
    CHECK ((status = 'ended') = (ended_at IS NOT NULL))
);

-- At most one set of breakout rooms per meeting; no row means status "none".
CREATE TABLE breakouts (
    meeting_id               uuid PRIMARY KEY REFERENCES meetings (id),
    status                   text NOT NULL CHECK (status IN ('ready', 'open', 'closing')),
    mode                     text NOT NULL CHECK (mode IN ('automatic', 'manual', 'self_select', 'preassigned')),
    move_automatically       boolean NOT NULL,
    allow_choose_room        boolean NOT NULL,
    allow_return_to_main     boolean NOT NULL,
    timer_seconds            integer CHECK (timer_seconds BETWEEN 1 AND 86400),
    close_when_time_up       boolean NOT NULL,
    notify_host_when_time_up boolean NOT NULL,
    close_countdown_seconds  integer NOT NULL CHECK (close_countdown_seconds BETWEEN 0 AND 300),
    assign_late_joiners      boolean NOT NULL,
    opened_at                timestamptz,
    timer_ends_at            timestamptz,
    closing_ends_at          timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (mode <> 'self_select' OR allow_choose_room),
    CHECK ((status = 'closing') = (closing_ends_at IS NOT NULL)),
    CHECK (status <> 'ready' OR (opened_at IS NULL AND timer_ends_at IS NULL))
);

CREATE TABLE rooms (
    id         uuid NOT NULL UNIQUE,
    meeting_id uuid NOT NULL REFERENCES breakouts (meeting_id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    position   integer NOT NULL CHECK (position >= 1),
    PRIMARY KEY (meeting_id, id),
    UNIQUE (meeting_id, name),
    UNIQUE (meeting_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE participants (
    id               uuid NOT NULL UNIQUE,
    meeting_id       uuid NOT NULL REFERENCES meetings (id),
    display_name     text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 64),
    email            text CHECK (email = lower(email)),
    role             text NOT NULL CHECK (role IN ('host', 'cohost', 'participant')),
    -- SHA-256 of the bearer token; the token itself is never stored.
    token_hash       bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    -- Where the participant is (NULL = main room) and which room it is assigned to. Being columns,
    -- a participant is in at most one location; the foreign keys keep both inside its own meeting.
    location_room_id uuid,
    assigned_room_id uuid,
    muted_by_host    boolean NOT NULL DEFAULT false,
    joined_at        timestamptz NOT NULL DEFAULT now(),
    joined_order     bigserial,
    PRIMARY KEY (meeting_id, id),
    FOREIGN KEY (meeting_id, location_room_id) REFERENCES rooms (meeting_id, id) ON DELETE SET NULL (location_room_id),
    FOREIGN KEY (meeting_id, assigned_room_id) REFERENCES rooms (meeting_id, id) ON DELETE SET NULL (assigned_room_id)
);
CREATE UNIQUE INDEX participants_one_host_per_meeting ON participants (meeting_id) WHERE role = 'host';
CREATE INDEX participants_by_location ON participants (meeting_id, location_room_id);
CREATE INDEX participants_by_assignment ON participants (meeting_id, assigned_room_id);

CREATE TABLE help_requests (
    id             uuid PRIMARY KEY,
    meeting_id     uuid NOT NULL REFERENCES meetings (id),
    participant_id uuid NOT NULL,
    room_id        uuid NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'taken', 'resolved')),
    taken_by       uuid,
    resolved_by    uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    taken_at       timestamptz,
    resolved_at    timestamptz,
    FOREIGN KEY (meeting_id, participant_id) REFERENCES participants (meeting_id, id) ON DELETE CASCADE,
    CHECK ((status = 'open') = (taken_by IS NULL AND resolved_at IS NULL) OR status <> 'open')
);
-- One unresolved request per participant.
CREATE UNIQUE INDEX help_requests_one_unresolved ON help_requests (participant_id) WHERE status <> 'resolved';
CREATE INDEX help_requests_unresolved_by_meeting ON help_requests (meeting_id) WHERE status <> 'resolved';

-- Every change, in order. The live stream reads these; NOTIFY carries only (meeting_id, seq).
CREATE TABLE events (
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    seq        bigint NOT NULL CHECK (seq >= 1),
    type       text NOT NULL,
    -- everyone | managers | managers_and (managers and recipients) | only (recipients)
    audience   text NOT NULL CHECK (audience IN ('everyone', 'managers', 'managers_and', 'only')),
    recipients uuid[] NOT NULL DEFAULT '{}',
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (meeting_id, seq)
);

-- Work due at a time: the room timer and the close countdown. A scheduler on every node claims due
-- rows with FOR UPDATE SKIP LOCKED and applies the transition in the same transaction.
CREATE TABLE timers (
    id         bigserial PRIMARY KEY,
    meeting_id uuid NOT NULL REFERENCES meetings (id),
    kind       text NOT NULL CHECK (kind IN ('room_timer', 'close_countdown')),
    due_at     timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    fired_at   timestamptz,
    fired_by   text
);
-- At most one pending timer of each kind per meeting.
CREATE UNIQUE INDEX timers_one_pending_per_kind ON timers (meeting_id, kind) WHERE fired_at IS NULL;
CREATE INDEX timers_pending_by_due ON timers (due_at) WHERE fired_at IS NULL;
