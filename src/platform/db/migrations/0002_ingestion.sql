-- Ingestion: messages refused at the door are kept, traits keep their history, events carry quality flags.

-- Every refused tracking message, with why, so that an admin can look at it and replay it once fixed.
CREATE TABLE dead_letters (
  workspace_id BIGINT NOT NULL,
  dead_letter_id TEXT NOT NULL,
  received_at TIMESTAMP NOT NULL,
  reason TEXT NOT NULL,
  message JSON NOT NULL,
  replayed_at TIMESTAMP,
  PRIMARY KEY (workspace_id, dead_letter_id)
);

-- Each trait value a customer was given, when, and by which message (customers.traits holds the latest).
CREATE TABLE trait_history (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  trait TEXT NOT NULL,
  value JSON,
  set_at TIMESTAMP NOT NULL,
  message_id TEXT NOT NULL
);

-- Doubts about an event that did not stop it being stored, e.g. 'timestamp_in_future'.
ALTER TABLE events ADD COLUMN quality_flags TEXT[];
