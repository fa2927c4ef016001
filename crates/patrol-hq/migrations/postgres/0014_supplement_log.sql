-- The order in which supplements (corrections and withdrawals) arrived: `n` counts them, one
-- after the other, written in the same transaction as the entry. Every command-centre answer
-- applies every supplement ever stored (one may correct a report of any day), and reading and
-- decoding all of them on each request grows with the campaign's history; HQ keeps them in
-- memory instead and reads only those with an `n` above the last it holds. An upload that
-- stores supplements takes a transaction-scoped advisory lock before it numbers them, so they
-- commit in `n` order and a reader never sees `n + 1` without `n`. Derived (the entries are the
-- evidence), filled here from the ledger already held. Never edit this file once shipped (a
-- test pins it). Keep in step with sqlite/0014_supplement_log.sql.
CREATE TABLE supplement_log (
    n         BIGINT PRIMARY KEY CHECK (n >= 1),
    device_id TEXT   NOT NULL,
    seq       BIGINT NOT NULL,
    UNIQUE (device_id, seq)
);

INSERT INTO supplement_log (n, device_id, seq)
SELECT row_number() OVER (ORDER BY device_id, seq), device_id, seq
FROM entries
WHERE kind = 'supplement' AND kind <> 'track_segment';
