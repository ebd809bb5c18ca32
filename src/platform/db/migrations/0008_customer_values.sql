-- Each customer's value as of the latest valuation (docs/models/value.md): the predictions of the stored
-- value models it names, and the customer's RFM scores. A valuation replaces the workspace's rows whole.
CREATE TABLE customer_values (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  model_id BIGINT NOT NULL,
  valued_at TIMESTAMP NOT NULL,
  as_of TIMESTAMP NOT NULL,
  months INTEGER NOT NULL,
  discount_rate DOUBLE PRECISION NOT NULL,
  repeat_purchases INTEGER NOT NULL,
  probability_alive DOUBLE PRECISION NOT NULL,
  expected_purchases DOUBLE PRECISION NOT NULL,
  expected_order_value DOUBLE PRECISION NOT NULL,
  clv DOUBLE PRECISION NOT NULL,
  recency_days INTEGER NOT NULL,
  frequency INTEGER NOT NULL,
  monetary DOUBLE PRECISION NOT NULL,
  r INTEGER NOT NULL,
  f INTEGER NOT NULL,
  m INTEGER NOT NULL,
  rfm_segment TEXT NOT NULL,
  PRIMARY KEY (workspace_id, customer_id)
);
