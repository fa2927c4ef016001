-- Each patrol's distance per local day, kept up to date as uploads arrive (written in the same
-- transaction as the entries), so a day's km need not decode every track segment. Derived and
-- rebuildable from the ledger; see src/projections/rollup.rs. Never edit this file once
-- shipped (a test pins it). Keep in step with sqlite/0006_track_rollups.sql.
CREATE TABLE track_rollups (
    device_id TEXT             NOT NULL,
    patrol_id TEXT             NOT NULL,
    day       TEXT             NOT NULL,   -- local day YYYY-MM-DD of the segments' entries, in `tz`
    tz        TEXT             NOT NULL,
    gate_m    DOUBLE PRECISION NOT NULL,
    metres    DOUBLE PRECISION NOT NULL,
    last_t    BIGINT,
    last_lat  DOUBLE PRECISION,
    last_lon  DOUBLE PRECISION,
    dirty     BOOLEAN          NOT NULL DEFAULT FALSE,
    fixes     BIGINT           NOT NULL DEFAULT 0,
    first_lat DOUBLE PRECISION,
    first_lon DOUBLE PRECISION,
    any_lat   DOUBLE PRECISION,
    any_lon   DOUBLE PRECISION,
    presence  TEXT             NOT NULL DEFAULT '{}',  -- {"cell": [ms by day, ms by night]}
    grid_key  TEXT             NOT NULL DEFAULT '',
    PRIMARY KEY (device_id, patrol_id, day)
);

CREATE INDEX track_rollups_by_day ON track_rollups (day);
CREATE INDEX track_rollups_by_patrol ON track_rollups (patrol_id);

-- Whether the rollups cover the whole ledger: a ledger stored before this migration has none
-- until HQ rebuilds them at its next start.
CREATE TABLE rollup_state (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    built BOOLEAN NOT NULL
);

INSERT INTO rollup_state (id, built)
SELECT 1, NOT EXISTS (SELECT 1 FROM entries);
