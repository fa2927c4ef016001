-- The device's ledger and everything kept beside it. Never edit this file once shipped:
-- add a new numbered migration instead (a test pins each file's SHA-256).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One append-only, hash-chained sequence of entries for this device.
CREATE TABLE ledger (
    seq       INTEGER PRIMARY KEY CHECK (seq >= 1),
    id        TEXT    NOT NULL UNIQUE,
    kind      TEXT    NOT NULL,
    wall_ms   INTEGER NOT NULL,
    mono_ms   INTEGER NOT NULL,
    gnss_ms   INTEGER,
    cell      TEXT,
    payload   BLOB    NOT NULL,
    prev_hash BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash      BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE INDEX ledger_kind ON ledger (kind, seq);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: write a supplement instead'); END;

CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: write a supplement to withdraw'); END;

-- Sync state of each entry, written in the same transaction as the entry.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY REFERENCES ledger (seq),
    state      TEXT    NOT NULL CHECK (state IN ('pending', 'acked', 'quarantined')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX outbox_state ON outbox (state, seq);

-- Fixes of the running patrol not yet sealed into a track segment. Durable, so a crash loses
-- nothing: the buffer is flushed into the ledger on the next fix, stop or open.
CREATE TABLE fix_buffer (
    n         INTEGER PRIMARY KEY AUTOINCREMENT,
    patrol_id TEXT NOT NULL,
    fix       TEXT NOT NULL
) STRICT;

-- Unfinished reports. Not evidence: editable and deletable until finalized into an entry.
CREATE TABLE drafts (
    id         TEXT PRIMARY KEY,
    kind       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
) STRICT;

-- Photo files live in photos/<sha256>; this table says what is there and what HQ has.
CREATE TABLE photos (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    mime          TEXT    NOT NULL,
    created_ms    INTEGER NOT NULL,
    uploaded      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Reference data from HQ (grid, posts, groups), with the cursor of the last download.
CREATE TABLE reference (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    city    TEXT NOT NULL,
    cursor  TEXT
) STRICT;
