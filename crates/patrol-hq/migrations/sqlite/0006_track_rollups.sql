-- Each patrol's distance per local day, kept up to date as uploads arrive (written in the same
-- transaction as the entries), so a day's km need not decode every track segment. Derived and
-- rebuildable from the ledger; see src/projections/rollup.rs. Never edit this file once
-- shipped (a test pins it). Keep in step with postgres/0006_track_rollups.sql.
CREATE TABLE track_rollups (
    device_id TEXT    NOT NULL,
    patrol_id TEXT    NOT NULL,
    day       TEXT    NOT NULL,   -- local day YYYY-MM-DD of the segments' entries, in `tz`
    tz        TEXT    NOT NULL,
    gate_m    REAL    NOT NULL,
    metres    REAL    NOT NULL,
    last_t    INTEGER,
    last_lat  REAL,
    last_lon  REAL,
    dirty     INTEGER NOT NULL DEFAULT 0,
    fixes     INTEGER NOT NULL DEFAULT 0,
    first_lat REAL,
    first_lon REAL,
    any_lat   REAL,
    any_lon   REAL,
    presence  TEXT    NOT NULL DEFAULT '{}',  -- {"cell": [ms by day, ms by night]}
    grid_key  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (device_id, patrol_id, day)
) STRICT;

CREATE INDEX track_rollups_by_day ON track_rollups (day);
CREATE INDEX track_rollups_by_patrol ON track_rollups (patrol_id);

-- Whether the rollups cover the whole ledger: a ledger stored before this migration has none
-- until HQ rebuilds them at its next start.
CREATE TABLE rollup_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    built INTEGER NOT NULL
) STRICT;

INSERT INTO rollup_state (id, built)
SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM entries) THEN 0 ELSE 1 END;
