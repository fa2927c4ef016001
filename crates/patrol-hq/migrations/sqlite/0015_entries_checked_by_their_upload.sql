-- A device is revoked, never deleted: its ledger is evidence.
--
-- On PostgreSQL this migration drops the foreign key from entries to devices, whose check cost
-- one query and one row lock per stored entry (the upload checks its device in the same
-- transaction), and keeps what it also gave, that a device with entries is never deleted, with
-- a trigger for every device. SQLite's foreign-key check is a lookup in the same page cache and
-- stays (dropping it would rebuild the table); the trigger is the same on both.
CREATE TRIGGER devices_no_delete BEFORE DELETE ON devices
BEGIN SELECT RAISE(ABORT, 'devices are revoked, never deleted: their ledgers are evidence'); END;
