-- HQ's store (SQLite). Never edit this file once shipped: add a new numbered migration instead
-- (a test pins each file's SHA-256). Keep it in step with migrations/postgres/0001_hq.sql: both
-- backends behave identically behind the `Storage` trait.

-- Enrolled devices and each one's high-water mark: the highest contiguous seq HQ holds and the
-- hash at that seq.
CREATE TABLE devices (
    id           TEXT    PRIMARY KEY,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('active', 'revoked')),
    enrolled_ms  INTEGER NOT NULL,
    revoked_ms   INTEGER,
    head_seq     INTEGER NOT NULL DEFAULT 0 CHECK (head_seq >= 0),
    head_hash    BLOB    NOT NULL CHECK (length(head_hash) = 32),
    last_seen_ms INTEGER,
    skew_ms      INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One-time enrolment codes. Only the code's hash is kept.
CREATE TABLE enrollment_codes (
    code_hash  TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER,
    device_id  TEXT
) STRICT;

-- People at HQ, by the hash of their bearer token.
CREATE TABLE operators (
    token_hash TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_ms INTEGER NOT NULL
) STRICT;

-- Every device's ledger, exactly as uploaded (payload bytes as hashed), plus what HQ derived
-- when it arrived. Append-only: triggers refuse updates and deletes.
CREATE TABLE entries (
    device_id         TEXT    NOT NULL REFERENCES devices (id),
    seq               INTEGER NOT NULL CHECK (seq >= 1),
    id                TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    wall_ms           INTEGER NOT NULL,
    mono_ms           INTEGER NOT NULL,
    gnss_ms           INTEGER,
    cell              TEXT,
    payload           BLOB    NOT NULL,
    prev_hash         BLOB    NOT NULL CHECK (length(prev_hash) = 32),
    hash              BLOB    NOT NULL CHECK (length(hash) = 32),
    received_ms       INTEGER NOT NULL,
    event_ms          INTEGER NOT NULL,
    patrol_id         TEXT,
    -- JSON array of clock flags, e.g. ["future"].
    flags             TEXT    NOT NULL DEFAULT '[]',
    quarantine_code   TEXT,
    quarantine_reason TEXT,
    PRIMARY KEY (device_id, seq)
) STRICT;

CREATE INDEX entries_event ON entries (event_ms);
CREATE INDEX entries_patrol ON entries (patrol_id) WHERE patrol_id IS NOT NULL;
CREATE INDEX entries_kind ON entries (kind, device_id, seq);
CREATE INDEX entries_id ON entries (id);
CREATE INDEX entries_quarantined ON entries (device_id, seq) WHERE quarantine_code IS NOT NULL;

CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'stored entries are evidence: they are never updated'); END;

CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'stored entries are evidence: they are never deleted'); END;

-- The same (device, seq) arrived with other bytes: HQ keeps its own entry and sets the device's
-- copy aside here, once per distinct device hash.
CREATE TABLE conflicts (
    device_id    TEXT    NOT NULL REFERENCES devices (id),
    seq          INTEGER NOT NULL CHECK (seq >= 1),
    hq_hash      BLOB    NOT NULL CHECK (length(hq_hash) = 32),
    device_hash  BLOB    NOT NULL CHECK (length(device_hash) = 32),
    -- The device's whole entry as JSON (payload in base64), exactly as it was sent.
    device_entry TEXT    NOT NULL,
    received_ms  INTEGER NOT NULL,
    PRIMARY KEY (device_id, seq, device_hash)
) STRICT;

-- Photos announced by devices, and how many bytes have arrived.
CREATE TABLE photos (
    sha256         TEXT    PRIMARY KEY,
    size           INTEGER NOT NULL CHECK (size >= 0),
    mime           TEXT    NOT NULL,
    device_id      TEXT    NOT NULL REFERENCES devices (id),
    created_ms     INTEGER NOT NULL,
    received_bytes INTEGER NOT NULL DEFAULT 0 CHECK (received_bytes >= 0 AND received_bytes <= size),
    complete       INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1))
) STRICT;

CREATE INDEX photos_device ON photos (device_id, created_ms);

-- A photo's bytes, one row per uploaded chunk, keyed by where the chunk starts.
CREATE TABLE photo_chunks (
    sha256      TEXT    NOT NULL REFERENCES photos (sha256) ON DELETE CASCADE,
    chunk_start INTEGER NOT NULL CHECK (chunk_start >= 0),
    bytes       BLOB    NOT NULL,
    PRIMARY KEY (sha256, chunk_start)
) STRICT;

-- The city's name and time zone, and the reference data's global version counter (the cursor).
CREATE TABLE reference_city (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT    NOT NULL,
    timezone    TEXT    NOT NULL,
    -- Counter value when name or time zone last changed.
    version     INTEGER NOT NULL,
    counter     INTEGER NOT NULL CHECK (counter >= 0),
    imported_ms INTEGER NOT NULL
) STRICT;

-- Grid cells, posts and groups. Every add or change takes the next counter value; an item
-- missing from a later import stays as a tombstone (deleted = 1) with its own new version.
CREATE TABLE reference_items (
    kind    TEXT    NOT NULL CHECK (kind IN ('cell', 'post', 'group')),
    id      TEXT    NOT NULL,
    body    TEXT    NOT NULL,
    version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    PRIMARY KEY (kind, id)
) STRICT;

CREATE INDEX reference_items_version ON reference_items (version);
