-- Photos, keyed by device while they upload. Until now the first device to announce a hash owned
-- its upload, so another device could squat it (announce it with a wrong size and never finish).
-- Now every device uploads its own copy; the first complete, verified upload becomes the photo,
-- and `photos` holds only complete photos. Never edit this file once shipped (a test pins it).

-- An upload in progress: one per (device, photo).
CREATE TABLE photo_uploads (
    device_id      TEXT    NOT NULL REFERENCES devices (id),
    sha256         TEXT    NOT NULL,
    size           INTEGER NOT NULL CHECK (size >= 0),
    mime           TEXT    NOT NULL,
    created_ms     INTEGER NOT NULL,
    received_bytes INTEGER NOT NULL DEFAULT 0 CHECK (received_bytes >= 0 AND received_bytes <= size),
    PRIMARY KEY (device_id, sha256)
) STRICT;

CREATE TABLE photo_upload_chunks (
    device_id   TEXT    NOT NULL,
    sha256      TEXT    NOT NULL,
    chunk_start INTEGER NOT NULL CHECK (chunk_start >= 0),
    bytes       BLOB    NOT NULL,
    PRIMARY KEY (device_id, sha256, chunk_start),
    FOREIGN KEY (device_id, sha256) REFERENCES photo_uploads (device_id, sha256) ON DELETE CASCADE
) STRICT;

-- The photos each device's stored (not quarantined) entries name: a device may upload only
-- these, and its receipt lists those HQ holds, whoever's upload completed them.
CREATE TABLE entry_photos (
    device_id TEXT NOT NULL REFERENCES devices (id),
    sha256    TEXT NOT NULL,
    PRIMARY KEY (device_id, sha256)
) STRICT;

INSERT INTO photo_uploads (device_id, sha256, size, mime, created_ms, received_bytes)
SELECT device_id, sha256, size, mime, created_ms, received_bytes FROM photos WHERE complete = 0;

INSERT INTO photo_upload_chunks (device_id, sha256, chunk_start, bytes)
SELECT p.device_id, c.sha256, c.chunk_start, c.bytes
FROM photo_chunks c JOIN photos p ON p.sha256 = c.sha256
WHERE p.complete = 0;

DELETE FROM photo_chunks WHERE sha256 IN (SELECT sha256 FROM photos WHERE complete = 0);
DELETE FROM photos WHERE complete = 0;

-- The references of the entries stored so far (reports and corrections carry `photos`).
INSERT OR IGNORE INTO entry_photos (device_id, sha256)
SELECT e.device_id, json_extract(p.value, '$.sha256')
FROM entries e, json_each(CAST(e.payload AS TEXT), '$.photos') p
WHERE e.quarantine_code IS NULL
  AND e.kind IN ('violation', 'lost_person', 'traffic_accident', 'incident')
  AND json_extract(p.value, '$.sha256') IS NOT NULL;

INSERT OR IGNORE INTO entry_photos (device_id, sha256)
SELECT e.device_id, json_extract(p.value, '$.sha256')
FROM entries e, json_each(CAST(e.payload AS TEXT), '$.correction.body.photos') p
WHERE e.quarantine_code IS NULL
  AND e.kind = 'supplement'
  AND json_extract(p.value, '$.sha256') IS NOT NULL;
