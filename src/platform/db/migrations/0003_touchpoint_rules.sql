-- A workspace's own touchpoint rules, tried before the built-in ones (docs/ingestion.md): an ordered list
-- for channels and one for devices, each replaced whole when edited.
CREATE TABLE touchpoint_rules (
  workspace_id BIGINT PRIMARY KEY,
  channel_rules JSON NOT NULL,
  device_rules JSON NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
