-- The city's own settings (campaign start, accuracy gate), kept with its name and time zone as
-- JSON and sent with every reference download. Never edit this file once shipped.
ALTER TABLE reference_city ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
