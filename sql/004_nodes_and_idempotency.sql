-- The node registry: each running node, its heartbeat and its live streams.
CREATE TABLE nodes (
    node_id      text PRIMARY KEY,
    address      text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now(),
    live_streams integer NOT NULL DEFAULT 0 CHECK (live_streams >= 0)
);

CREATE VIEW breakout_nodes AS
SELECT node_id,
       address,
       started_at,
       heartbeat_at,
       live_streams,
       heartbeat_at > now() - interval '15 seconds' AS alive
FROM nodes;

-- Safe retries: the first answer to a request with an Idempotency-Key, stored in the same
-- transaction as the command it answered, so a retry on any node returns it and applies nothing.
-- scope is the SHA-256 of the caller's token (empty for anonymous calls); fingerprint is the
-- SHA-256 of method, path and body. Rows older than a day are deleted by the nodes.
CREATE TABLE idempotency_keys (
    scope       bytea NOT NULL,
    key         text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    fingerprint bytea NOT NULL,
    result      jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
