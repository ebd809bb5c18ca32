-- What the organisation spent on marketing (docs/models/value.md, "Conquest or relations"): per objective
-- (winning new customers or keeping existing ones), channel, campaign ('' for none) and period. Imported with
-- `agora import costs`; a line for the same objective, channel, campaign and start replaces the earlier one.
CREATE TABLE marketing_costs (
  workspace_id BIGINT NOT NULL,
  objective TEXT NOT NULL CHECK (objective IN ('acquisition', 'retention')),
  channel TEXT NOT NULL,
  campaign TEXT NOT NULL,
  period_start TIMESTAMP NOT NULL,
  period_end TIMESTAMP NOT NULL,
  amount DOUBLE PRECISION NOT NULL,
  currency TEXT NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, objective, channel, campaign, period_start)
);
