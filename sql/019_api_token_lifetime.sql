-- Every personal API token has a lifetime (at most BREAKOUT_API_TOKEN_MAX_DAYS, 90 days by
-- default; docs/decisions.md, "Identity and tokens"). Tokens made before this version without
-- one work for 90 days more from now, so no script stops at once.
UPDATE api_tokens SET expires_at = now() + interval '90 days'
WHERE expires_at IS NULL AND revoked_at IS NULL;
