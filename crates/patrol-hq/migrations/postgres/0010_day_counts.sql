-- Each device's report counts per local day (violations by type, lost persons, accidents,
-- assistance, incidents, patrols started and their crews, flagged entries), kept up to date as
-- uploads arrive (written in the same transaction as the entries), so a day's figures need not
-- read and decode the day's reports (a city's day is tens of thousands). Derived and
-- rebuildable from the ledger; see src/projections/counts.rs. Never edit this file once shipped
-- (a test pins it). Keep in step with sqlite/0010_day_counts.sql.
CREATE TABLE day_counts (
    device_id TEXT NOT NULL,
    day       TEXT NOT NULL,   -- local day YYYY-MM-DD of the entries' event time, in `tz`
    tz        TEXT NOT NULL,
    counts    TEXT NOT NULL,   -- the day's figures these entries give (JSON, /stats/daily's shape)
    PRIMARY KEY (device_id, day)
);

CREATE INDEX day_counts_by_day ON day_counts (day);

-- Whether the counts cover the whole ledger: a ledger stored before this migration has none
-- until HQ rebuilds them at its next start.
ALTER TABLE rollup_state ADD COLUMN counts_built BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE rollup_state SET counts_built = NOT EXISTS (SELECT 1 FROM entries);
