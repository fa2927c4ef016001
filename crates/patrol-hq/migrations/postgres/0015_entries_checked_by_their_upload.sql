-- An entry's device is checked by the upload that stores it, not by a foreign key per row.
--
-- PostgreSQL checks a foreign key with one query and one row lock per inserted row (its
-- referential triggers fire for COPY too): about 7 µs each on the CI machine, 11 ms of a 12-hour
-- shift's 1,492 entries, a third of the upload's whole commit. The upload already locks its
-- device's row (`FOR UPDATE`) in the same transaction and stores nothing unless the device is
-- enrolled and active, so every entry's device exists when it is written. What the foreign key
-- also gave, that a device with entries is never deleted, this trigger keeps for every device:
-- a device is revoked, never deleted (its ledger is evidence). SQLite's foreign-key check is a
-- lookup in the same page cache and stays (dropping it would rebuild the table).
ALTER TABLE entries DROP CONSTRAINT entries_device_id_fkey;

CREATE FUNCTION devices_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'devices are revoked, never deleted: their ledgers are evidence';
END;
$$;

CREATE TRIGGER devices_no_delete BEFORE DELETE ON devices
FOR EACH ROW EXECUTE FUNCTION devices_never_deleted();
