-- The order in which supplements (corrections and withdrawals) arrived: `n` counts them, one
-- after the other, written in the same transaction as the entry. Every command-centre answer
-- applies every supplement ever stored (one may correct a report of any day), and reading and
-- decoding all of them on each request grows with the campaign's history; HQ keeps them in
-- memory instead and reads only those with an `n` above the last it holds. Derived (the
-- entries are the evidence), filled here from the ledger already held. Never edit this file
-- once shipped (a test pins it). Keep in step with postgres/0014_supplement_log.sql.
CREATE TABLE supplement_log (
    n         INTEGER PRIMARY KEY CHECK (n >= 1),
    device_id TEXT    NOT NULL,
    seq       INTEGER NOT NULL,
    UNIQUE (device_id, seq)
) STRICT;

INSERT INTO supplement_log (n, device_id, seq)
SELECT row_number() OVER (ORDER BY device_id, seq), device_id, seq
FROM entries
WHERE kind = 'supplement' AND kind <> 'track_segment';
