-- What the last lifecycle refresh saw arrive: the events received since the start of the next refresh's
-- look-back, counted. The next turn counts them again; the same count means nothing arrived (or committed
-- late) since, and the refresh writes nothing instead of rebuilding the same customers for two minutes.
ALTER TABLE lifecycle_state ADD COLUMN arrivals_since TIMESTAMP;
ALTER TABLE lifecycle_state ADD COLUMN arrivals_counted BIGINT;
