-- Retried messages are found by their messageId among recent events.
CREATE INDEX events_message ON events (workspace_id, message_id);
CREATE INDEX trait_history_customer ON trait_history (workspace_id, customer_id);
