-- PostgreSQL reads events and orders by customer and by time through B-tree indexes.
-- DuckDB gets none: its zone maps serve the same scans, and indexes would slow its appends.
CREATE INDEX events_customer_time ON events (workspace_id, customer_id, occurred_at);
CREATE INDEX events_time ON events (workspace_id, occurred_at);
CREATE INDEX identities_customer ON identities (workspace_id, customer_id);
CREATE INDEX orders_time ON orders (workspace_id, ordered_at);
