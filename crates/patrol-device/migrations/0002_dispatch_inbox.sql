-- The unit's inbox from HQ: dispatch orders and their withdrawals, kept by HQ's inbox seq so a
-- message pulled twice is stored once. This is what HQ sent, not evidence: the officer's steps
-- on a dispatch are ledger entries (`dispatch_step`). Never edit this file once shipped.
CREATE TABLE dispatch_inbox (
    seq         INTEGER PRIMARY KEY CHECK (seq >= 1),
    dispatch_id TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    received_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX dispatch_inbox_by_dispatch ON dispatch_inbox (dispatch_id, seq);
