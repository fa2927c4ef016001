-- Fewer indexes to write per entry: a 12-hour shift is ~1,500 entries, nearly all of them track
-- segments, and every index on `entries` is written once per entry at ingest.
--
-- entries_id: no query reads an entry by its id (HQ finds entries by device and seq, by time,
-- by patrol, or by kind); it was written for every entry and read by nothing.
DROP INDEX entries_id;

-- entries_kind: track segments are never looked up through it (the newest segment of a device
-- is found on the primary key, walked backwards; a day's segments on the time index), so it
-- keeps only the other kinds. Queries that use it say `kind <> 'track_segment'` literally, so
-- the planner may take the partial index. Never edit this file once shipped.
DROP INDEX entries_kind;
CREATE INDEX entries_kind ON entries (kind, device_id, seq) WHERE kind <> 'track_segment';
