-- Track rollups summed with the geodesic step of HQ before the tangent-plane formula for short
-- steps (patrol_geo::distance_m) differ from a recompute by up to 0.1 mm per step: mark them
-- unbuilt, so the next start rebuilds them from the ledger (service::rebuild_rollups) and every
-- rollup is again the raw answer to the bit. The ledger itself is untouched.
UPDATE rollup_state SET built = FALSE WHERE id = 1 AND EXISTS (SELECT 1 FROM entries);
