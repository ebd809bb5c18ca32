-- The lifecycle refresh finds the customers whose events arrived since it last ran.
CREATE INDEX events_received ON events (workspace_id, received_at);
