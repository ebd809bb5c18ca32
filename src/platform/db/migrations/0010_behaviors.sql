-- The strategy playbook as a workspace edited it (docs/models/behaviors.md): a row overrides the default
-- strategy of the same id, adds a strategy of its own, or (removed) hides a default one.
CREATE TABLE playbook_strategies (
  workspace_id BIGINT NOT NULL,
  strategy_id TEXT NOT NULL,
  definition JSON,
  removed BOOLEAN NOT NULL DEFAULT FALSE,
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, strategy_id)
);

-- Strategies chosen to act on: tracked by their KPI before and since the start.
CREATE SEQUENCE behavior_initiative_id_seq START 1;
CREATE TABLE behavior_initiatives (
  workspace_id BIGINT NOT NULL,
  initiative_id BIGINT NOT NULL DEFAULT nextval('behavior_initiative_id_seq'),
  strategy_id TEXT NOT NULL,
  behavior TEXT NOT NULL,
  kpi JSON NOT NULL,
  started_at TIMESTAMP NOT NULL,
  ended_at TIMESTAMP,
  note TEXT,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, initiative_id)
);
