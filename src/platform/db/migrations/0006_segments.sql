-- Saved segments (docs/segments.md): each definition, its members as of its last refresh, its size over
-- time, and the joins and leaves each refresh found, queued for the segment's webhook with a delivery log.
CREATE SEQUENCE segment_id_seq START 1;
CREATE TABLE segments (
  workspace_id BIGINT NOT NULL,
  segment_id BIGINT NOT NULL DEFAULT nextval('segment_id_seq'),
  slug TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  rules JSON NOT NULL,
  webhook_url TEXT,
  -- Refreshed at least this often, and whenever new events arrive.
  refresh_minutes INTEGER NOT NULL,
  members INTEGER,
  refreshed_at TIMESTAMP,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, segment_id),
  UNIQUE (workspace_id, slug)
);

CREATE TABLE segment_members (
  workspace_id BIGINT NOT NULL,
  segment_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  joined_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, segment_id, customer_id)
);

-- A refresh writes the new members here first, then compares them with segment_members.
CREATE TABLE segment_staging (
  workspace_id BIGINT NOT NULL,
  segment_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL
);

CREATE TABLE segment_sizes (
  workspace_id BIGINT NOT NULL,
  segment_id BIGINT NOT NULL,
  refreshed_at TIMESTAMP NOT NULL,
  members INTEGER NOT NULL,
  joined INTEGER NOT NULL,
  left_segment INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, segment_id, refreshed_at)
);

-- One POST of joins and leaves to a segment's webhook. Kept once delivered or given up on: the log.
CREATE SEQUENCE segment_delivery_id_seq START 1;
CREATE TABLE segment_deliveries (
  workspace_id BIGINT NOT NULL,
  delivery_id BIGINT NOT NULL DEFAULT nextval('segment_delivery_id_seq'),
  segment_id BIGINT NOT NULL,
  url TEXT NOT NULL,
  payload JSON NOT NULL,
  customers INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_at TIMESTAMP NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  created_at TIMESTAMP NOT NULL,
  delivered_at TIMESTAMP,
  PRIMARY KEY (workspace_id, delivery_id)
);
