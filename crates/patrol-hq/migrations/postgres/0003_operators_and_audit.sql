-- Operators get a role, an optional expiry and a revocation time; every operator action that
-- matters is kept in an append-only audit trail. Never edit this file once shipped (a test pins
-- it). Keep in step with sqlite/0003_operators_and_audit.sql.

ALTER TABLE operators ADD COLUMN role TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('viewer', 'admin'));
ALTER TABLE operators ADD COLUMN expires_ms BIGINT;
ALTER TABLE operators ADD COLUMN revoked_ms BIGINT;

CREATE TABLE audit (
    n        BIGSERIAL PRIMARY KEY,
    at_ms    BIGINT NOT NULL,
    operator TEXT   NOT NULL,
    role     TEXT   NOT NULL,
    address  TEXT,
    action   TEXT   NOT NULL,
    target   TEXT
);

CREATE INDEX audit_at ON audit (at_ms);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;

CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
