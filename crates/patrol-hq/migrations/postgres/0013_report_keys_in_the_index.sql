-- The reports list counts, filters and orders a day's reports (36,000 for a city's day) by
-- their keys before it reads the 200 it shows. This index carries the key columns, so they can
-- come from the index alone (an index-only scan, where the visibility map allows) instead of a
-- heap fetch per report. It replaces (kind, event_ms), whose queries it serves as before; track
-- segments stay out of it, so ingest pays for it on reports only. Building it reads the whole
-- table once, at the first start after the upgrade, and holds off uploads meanwhile. Never
-- edit this file once shipped.
DROP INDEX entries_kind_event;
CREATE INDEX entries_kind_event ON entries (kind, event_ms)
    INCLUDE (device_id, seq, id, cell, patrol_id, quarantine_code)
    WHERE kind <> 'track_segment';
