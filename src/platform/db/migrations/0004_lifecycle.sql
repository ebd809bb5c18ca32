-- Where each customer stands on the lifecycle (docs/lifecycle.md). Derived from events and the taxonomy by
-- the lifecycle refresh, never written by ingestion; a full refresh can rebuild all of it.

-- The moment a customer entered each stage, and the touchpoint that took them there.
CREATE TABLE stage_entries (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  stage TEXT NOT NULL,
  entered_at TIMESTAMP NOT NULL,
  message_id TEXT,
  event_name TEXT NOT NULL,
  channel TEXT,
  device TEXT,
  PRIMARY KEY (workspace_id, customer_id, stage)
);

-- One row per customer who has entered the funnel: the stage entries side by side, for reports.
CREATE TABLE customer_lifecycle (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  stage TEXT NOT NULL,
  awareness_at TIMESTAMP NOT NULL,
  consideration_at TIMESTAMP,
  preference_at TIMESTAMP,
  action_at TIMESTAMP,
  loyalty_at TIMESTAMP,
  advocacy_at TIMESTAMP,
  first_channel TEXT,
  first_device TEXT,
  last_seen_at TIMESTAMP NOT NULL,
  touches_before_action INTEGER,
  info_touches_before_action INTEGER,
  refreshed_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, customer_id)
);

-- A workspace's lifecycle rules, and how far the refresh has read the event stream.
CREATE TABLE lifecycle_state (
  workspace_id BIGINT PRIMARY KEY,
  lapsed_after_days INTEGER NOT NULL,
  refreshed_through TIMESTAMP,
  taxonomy_signature TEXT,
  updated_at TIMESTAMP NOT NULL
);
