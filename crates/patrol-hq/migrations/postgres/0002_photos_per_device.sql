-- Photos, keyed by device while they upload. Until now the first device to announce a hash owned
-- its upload, so another device could squat it (announce it with a wrong size and never finish).
-- Now every device uploads its own copy; the first complete, verified upload becomes the photo,
-- and `photos` holds only complete photos. Keep in step with sqlite/0002_photos_per_device.sql.
-- Never edit this file once shipped (a test pins it).

CREATE TABLE photo_uploads (
    device_id      TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
    sha256         TEXT COLLATE "C" NOT NULL,
    size           BIGINT  NOT NULL CHECK (size >= 0),
    mime           TEXT    NOT NULL,
    created_ms     BIGINT  NOT NULL,
    received_bytes BIGINT  NOT NULL DEFAULT 0 CHECK (received_bytes >= 0 AND received_bytes <= size),
    PRIMARY KEY (device_id, sha256)
);

CREATE TABLE photo_upload_chunks (
    device_id   TEXT COLLATE "C" NOT NULL,
    sha256      TEXT COLLATE "C" NOT NULL,
    chunk_start BIGINT NOT NULL CHECK (chunk_start >= 0),
    bytes       BYTEA  NOT NULL,
    PRIMARY KEY (device_id, sha256, chunk_start),
    FOREIGN KEY (device_id, sha256) REFERENCES photo_uploads (device_id, sha256) ON DELETE CASCADE
);

CREATE TABLE entry_photos (
    device_id TEXT COLLATE "C" NOT NULL REFERENCES devices (id),
    sha256    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (device_id, sha256)
);

INSERT INTO photo_uploads (device_id, sha256, size, mime, created_ms, received_bytes)
SELECT device_id, sha256, size, mime, created_ms, received_bytes FROM photos WHERE NOT complete;

INSERT INTO photo_upload_chunks (device_id, sha256, chunk_start, bytes)
SELECT p.device_id, c.sha256, c.chunk_start, c.bytes
FROM photo_chunks c JOIN photos p ON p.sha256 = c.sha256
WHERE NOT p.complete;

DELETE FROM photo_chunks WHERE sha256 IN (SELECT sha256 FROM photos WHERE NOT complete);
DELETE FROM photos WHERE NOT complete;

INSERT INTO entry_photos (device_id, sha256)
SELECT DISTINCT e.device_id, p.value ->> 'sha256'
FROM entries e,
     jsonb_array_elements(
         CASE WHEN e.kind = 'supplement'
              THEN convert_from(e.payload, 'UTF8')::jsonb #> '{correction,body,photos}'
              ELSE convert_from(e.payload, 'UTF8')::jsonb -> 'photos' END
     ) p
WHERE e.quarantine_code IS NULL
  AND e.kind IN ('violation', 'lost_person', 'traffic_accident', 'incident', 'supplement')
  AND p.value ->> 'sha256' IS NOT NULL
ON CONFLICT DO NOTHING;
