-- Single sign-on logins under way: each is used once, within minutes, by whichever instance
-- the browser comes back to. The PKCE verifier and the nonce are kept here, never sent to
-- the browser; the state is kept as a hash.
CREATE TABLE sso_logins (
    state_hash  TEXT    PRIMARY KEY,
    verifier    TEXT    NOT NULL,
    nonce       TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
