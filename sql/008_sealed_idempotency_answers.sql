-- No usable token at rest. The answers to a meeting's creation and to a join carry tokens, and an
-- answer is kept a day for retries. From now on the table keeps the SHA-256 (hex) of the client's
-- Idempotency-Key rather than the key, and the answer sealed with a key derived from the client's
-- key (ChaCha20-Poly1305; see Idempotency.Claim in the store): only the client, who still knows
-- its key, can have the answer opened again. Rows stored before: their keys are hashed the same
-- way and tokens taken out of their answers (a retry of such a join gets a clear 409).
UPDATE idempotency_keys
SET key = encode(sha256(convert_to(key, 'UTF8')), 'hex'),
    result = CASE WHEN jsonb_typeof(result) = 'object' THEN result - 'token' - 'hostToken' ELSE result END;

COMMENT ON COLUMN idempotency_keys.key IS 'SHA-256 (hex) of the client''s Idempotency-Key';
COMMENT ON COLUMN idempotency_keys.result IS '{"sealed": base64}: the first answer, sealed with a key derived from the client''s Idempotency-Key';
