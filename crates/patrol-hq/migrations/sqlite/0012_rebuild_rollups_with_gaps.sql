-- Rollups rebuilt from the ledger before this version left out the recorded tracking gaps, so a
-- patrol with one got its km and presence counted across the gap (the rows written upload by
-- upload were right: a gap marks them for a recompute). Where the ledger holds a gap, the rows
-- are built again, from the ledger, at HQ's next start (service::rebuild_rollups); the figures
-- read the raw segments until then. Never edit this file once shipped.
UPDATE rollup_state SET built = 0
WHERE EXISTS (SELECT 1 FROM entries WHERE kind = 'track_gap' AND kind <> 'track_segment');
