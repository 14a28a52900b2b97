-- People: who signed in at the campus provider (OpenID Connect), their web sessions and personal
-- API tokens, who owns a meeting and who may join it. Nothing here is usable as a credential:
-- sessions and API tokens are stored as SHA-256 hashes, as participant tokens are.

-- One row per person, per (issuer, subject): the provider's stable name for them.
CREATE TABLE users (
    id              uuid PRIMARY KEY,
    issuer          text NOT NULL,
    subject         text NOT NULL,
    -- Lower-cased; verified by the provider when `email_verified`.
    email           text CHECK (email = lower(email)),
    email_verified  boolean NOT NULL DEFAULT false,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    -- The claims of the last sign-in that the host policy may read (ID token and userinfo).
    claims          jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);
CREATE INDEX users_email ON users (email);

-- A browser signed in: the cookie holds the token, this table its hash. Every node reads it, so a
-- session works on every node and ends on every node at sign-out (`ended_at`).
CREATE TABLE web_sessions (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- Sliding: moved forward while the session is used.
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);

-- The nonces of completed sign-ins, so that one provider answer cannot be used twice. Kept a day,
-- longer than any ID token lives.
CREATE TABLE used_nonces (
    nonce_hash bytea PRIMARY KEY CHECK (octet_length(nonce_hash) = 32),
    used_at    timestamptz NOT NULL DEFAULT now()
);

-- Personal API tokens for scripts (an LMS creating meetings): shown once, stored hashed.
CREATE TABLE api_tokens (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Owners and who may join. A meeting made in open mode has no owner.
ALTER TABLE meetings
    ADD COLUMN owner_id uuid REFERENCES users (id),
    ADD COLUMN who_may_join text NOT NULL DEFAULT 'anyone' CHECK (who_may_join IN ('anyone', 'signed_in', 'invited')),
    -- Lower-cased emails of people who become co-hosts when they join signed in.
    ADD COLUMN alternative_hosts text[] NOT NULL DEFAULT '{}';
CREATE INDEX meetings_owner ON meetings (owner_id) WHERE owner_id IS NOT NULL;

-- A signed-in participant is its user's one participant in the meeting.
ALTER TABLE participants
    ADD COLUMN user_id uuid REFERENCES users (id),
    ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX participants_one_per_user ON participants (meeting_id, user_id) WHERE user_id IS NOT NULL;

-- Operators: every meeting with its owner ("which meetings does ada@uni.example own").
CREATE VIEW breakout_meetings AS
SELECT m.code,
       m.title,
       m.status,
       u.email AS owner_email,
       u.name AS owner_name,
       m.who_may_join,
       m.alternative_hosts,
       m.created_at,
       m.ended_at,
       m.id AS meeting_id
FROM meetings m
LEFT JOIN users u ON u.id = m.owner_id;

-- Operators: who is signed in now (a session that has neither ended nor expired).
CREATE VIEW breakout_signed_in AS
SELECT u.email,
       u.name,
       count(*) AS sessions,
       min(s.created_at) AS signed_in_since,
       max(s.expires_at) AS until
FROM web_sessions s
JOIN users u ON u.id = s.user_id
WHERE s.ended_at IS NULL AND s.expires_at > now()
GROUP BY u.id, u.email, u.name;

-- breakout_readonly (sql/007) reads people and owners, never session or token material.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'breakout_readonly') THEN
        GRANT SELECT ON users, breakout_meetings, breakout_signed_in TO breakout_readonly;
    END IF;
EXCEPTION
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'breakout_readonly not granted the people views: this user may not grant them';
END
$$;
