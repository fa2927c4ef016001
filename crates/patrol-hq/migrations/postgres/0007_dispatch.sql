-- Dispatch (派警): the calls HQ sends units to, and each unit's inbox. A dispatch row is the
-- operator's order; an inbox row is one message to one device (an order, or its withdrawal),
-- numbered 1, 2, 3 … per device so the device pulls "everything after N" and acknowledges
-- "everything through N": delivered at least once, applied once. The officer's steps are not
-- here: they are ledger entries of kind `dispatch_step`, evidence like every other record.
-- Never edit this file once shipped (a test pins it). Keep in step with
-- sqlite/0007_dispatch.sql.
CREATE TABLE dispatches (
    dispatch_id   TEXT COLLATE "C" PRIMARY KEY,
    kind          TEXT    NOT NULL,
    tier          BIGINT  NOT NULL CHECK (tier IN (1, 3, 5)),
    lat           DOUBLE PRECISION NOT NULL,
    lon           DOUBLE PRECISION NOT NULL,
    radius_m      DOUBLE PRECISION NOT NULL,
    address       TEXT,
    note          TEXT,
    -- The report at HQ it was made from, if any.
    source_device TEXT,
    source_seq    BIGINT,
    call_ms       BIGINT NOT NULL,
    created_ms    BIGINT NOT NULL,
    created_by    TEXT    NOT NULL,
    closed_ms     BIGINT,
    closed_reason TEXT
);

CREATE INDEX dispatches_by_call ON dispatches (call_ms);

CREATE TABLE dispatch_inbox (
    device_id    TEXT    NOT NULL REFERENCES devices (id),
    seq          BIGINT NOT NULL CHECK (seq > 0),
    dispatch_id  TEXT    NOT NULL REFERENCES dispatches (dispatch_id),
    message      TEXT    NOT NULL CHECK (message IN ('order', 'withdrawn')),
    reason       TEXT,
    created_ms   BIGINT NOT NULL,
    -- Sent again while not delivered: when last, and how often.
    last_sent_ms BIGINT NOT NULL,
    resends      BIGINT NOT NULL DEFAULT 0,
    delivered_ms BIGINT,
    PRIMARY KEY (device_id, seq)
);

CREATE INDEX dispatch_inbox_by_dispatch ON dispatch_inbox (dispatch_id);
