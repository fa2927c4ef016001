-- Browser sessions of the command-centre page: an operator token signed in once becomes a
-- session cookie; HQ keeps only the SHA-256 of the cookie's secret. A session is usable while
-- it is not ended (sign-out or revocation), not expired, and its operator is still active.
-- Never edit this file once shipped (a test pins it). Keep in step with
-- sqlite/0005_operator_sessions.sql.
CREATE TABLE operator_sessions (
    session_hash  TEXT   PRIMARY KEY,
    operator_hash TEXT   NOT NULL REFERENCES operators (token_hash),
    created_ms    BIGINT NOT NULL,
    expires_ms    BIGINT NOT NULL,
    ended_ms      BIGINT,
    address       TEXT
);

CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_hash);
