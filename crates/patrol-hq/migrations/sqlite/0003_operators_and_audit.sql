-- Operators get a role, an optional expiry and a revocation time; every operator action that
-- matters is kept in an append-only audit trail. Never edit this file once shipped (a test pins
-- it). Keep in step with postgres/0003_operators_and_audit.sql.

-- `viewer` reads figures; `admin` also mints codes, revokes devices and operators, replaces the
-- city and reads the audit trail. Operators from before roles keep full access.
ALTER TABLE operators ADD COLUMN role TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('viewer', 'admin'));
ALTER TABLE operators ADD COLUMN expires_ms INTEGER;
ALTER TABLE operators ADD COLUMN revoked_ms INTEGER;

-- Who did what, when and from where: codes created, revocations, city imports, exports and
-- reads of personal data. Append-only, like the ledger.
CREATE TABLE audit (
    n        INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms    INTEGER NOT NULL,
    operator TEXT    NOT NULL,
    role     TEXT    NOT NULL,
    address  TEXT,
    action   TEXT    NOT NULL,
    target   TEXT
) STRICT;

CREATE INDEX audit_at ON audit (at_ms);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
