-- HQ's store (PostgreSQL). Never edit this file once shipped: add a new numbered migration
-- instead (a test pins each file's SHA-256). Keep it in step with migrations/sqlite/0001_hq.sql:
-- both backends behave identically behind the `Storage` trait. Identifiers are TEXT COLLATE "C"
-- so they sort byte for byte, as in SQLite, whatever the database's locale.

-- Enrolled devices and each one's high-water mark: the highest contiguous seq HQ holds and the
-- hash at that seq.
CREATE TABLE devices (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('active', 'revoked')),
    enrolled_ms  BIGINT  NOT NULL,
    revoked_ms   BIGINT,
    head_seq     BIGINT  NOT NULL DEFAULT 0 CHECK (head_seq >= 0),
    head_hash    BYTEA   NOT NULL CHECK (octet_length(head_hash) = 32),
    last_seen_ms BIGINT,
    skew_ms      BIGINT  NOT NULL DEFAULT 0
);

-- One-time enrolment codes. Only the code's hash is kept.
CREATE TABLE enrollment_codes (
    code_hash  TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_ms BIGINT  NOT NULL,
    expires_ms BIGINT  NOT NULL,
    used_ms    BIGINT,
    device_id  TEXT COLLATE "C"
);

-- People at HQ, by the hash of their bearer token.
CREATE TABLE operators (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_ms BIGINT  NOT NULL
);

-- Every device's ledger, exactly as uploaded (payload bytes as hashed), plus what HQ derived
-- when it arrived. Append-only: triggers refuse updates and deletes.
CREATE TABLE entries (
    device_id         TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
    seq               BIGINT  NOT NULL CHECK (seq >= 1),
    id                TEXT COLLATE "C" NOT NULL,
    kind              TEXT COLLATE "C" NOT NULL,
    wall_ms           BIGINT  NOT NULL,
    mono_ms           BIGINT  NOT NULL,
    gnss_ms           BIGINT,
    cell              TEXT,
    payload           BYTEA   NOT NULL,
    prev_hash         BYTEA   NOT NULL CHECK (octet_length(prev_hash) = 32),
    hash              BYTEA   NOT NULL CHECK (octet_length(hash) = 32),
    received_ms       BIGINT  NOT NULL,
    event_ms          BIGINT  NOT NULL,
    patrol_id         TEXT COLLATE "C",
    -- JSON array of clock flags, e.g. ["future"] (text, so both backends read it alike).
    flags             TEXT    NOT NULL DEFAULT '[]',
    quarantine_code   TEXT,
    quarantine_reason TEXT,
    PRIMARY KEY (device_id, seq)
);

CREATE INDEX entries_event ON entries (event_ms);
CREATE INDEX entries_patrol ON entries (patrol_id) WHERE patrol_id IS NOT NULL;
CREATE INDEX entries_kind ON entries (kind, device_id, seq);
CREATE INDEX entries_id ON entries (id);
CREATE INDEX entries_quarantined ON entries (device_id, seq) WHERE quarantine_code IS NOT NULL;

CREATE FUNCTION entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stored entries are evidence: they are never updated or deleted';
END;
$$;

CREATE TRIGGER entries_no_update_or_delete BEFORE UPDATE OR DELETE ON entries
FOR EACH ROW EXECUTE FUNCTION entries_append_only();

-- The same (device, seq) arrived with other bytes: HQ keeps its own entry and sets the device's
-- copy aside here, once per distinct device hash.
CREATE TABLE conflicts (
    device_id    TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
    seq          BIGINT  NOT NULL CHECK (seq >= 1),
    hq_hash      BYTEA   NOT NULL CHECK (octet_length(hq_hash) = 32),
    device_hash  BYTEA   NOT NULL CHECK (octet_length(device_hash) = 32),
    -- The device's whole entry as JSON (payload in base64), exactly as it was sent.
    device_entry TEXT    NOT NULL,
    received_ms  BIGINT  NOT NULL,
    PRIMARY KEY (device_id, seq, device_hash)
);

-- Photos announced by devices, and how many bytes have arrived.
CREATE TABLE photos (
    sha256         TEXT COLLATE "C" PRIMARY KEY,
    size           BIGINT  NOT NULL CHECK (size >= 0),
    mime           TEXT    NOT NULL,
    device_id      TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
    created_ms     BIGINT  NOT NULL,
    received_bytes BIGINT  NOT NULL DEFAULT 0 CHECK (received_bytes >= 0 AND received_bytes <= size),
    complete       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE INDEX photos_device ON photos (device_id, created_ms);

-- A photo's bytes, one row per uploaded chunk, keyed by where the chunk starts.
CREATE TABLE photo_chunks (
    sha256      TEXT COLLATE "C" NOT NULL REFERENCES photos (sha256) ON DELETE CASCADE,
    chunk_start BIGINT  NOT NULL CHECK (chunk_start >= 0),
    bytes       BYTEA   NOT NULL,
    PRIMARY KEY (sha256, chunk_start)
);

-- The city's name and time zone, and the reference data's global version counter (the cursor).
CREATE TABLE reference_city (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT    NOT NULL,
    timezone    TEXT    NOT NULL,
    -- Counter value when name or time zone last changed.
    version     BIGINT  NOT NULL,
    counter     BIGINT  NOT NULL CHECK (counter >= 0),
    imported_ms BIGINT  NOT NULL
);

-- Grid cells, posts and groups. Every add or change takes the next counter value; an item
-- missing from a later import stays as a tombstone (deleted) with its own new version.
CREATE TABLE reference_items (
    kind    TEXT COLLATE "C" NOT NULL CHECK (kind IN ('cell', 'post', 'group')),
    id      TEXT COLLATE "C" NOT NULL,
    body    TEXT    NOT NULL,
    version BIGINT  NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (kind, id)
);

CREATE INDEX reference_items_version ON reference_items (version);
