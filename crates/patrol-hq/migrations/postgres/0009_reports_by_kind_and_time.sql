-- The day's figures read the day's reports, patrol starts and post visits by kind. The kind
-- index (kind, device_id, seq) made that read every report of those kinds ever stored, so a
-- day's answer grew with the campaign's history. This index finds a kind's entries of a time
-- window directly. Track segments (97 % of the rows) are left out, so ingest barely pays for
-- it; the queries that use it say `kind <> 'track_segment'` in so many words.
CREATE INDEX entries_kind_event ON entries (kind, event_ms) WHERE kind <> 'track_segment';
