-- Personas discovered from data (docs/models/personas.md). Each clustering run is kept with what it needs
-- to place customers later (feature names, means, sds, weights) and the centroid of each persona it found;
-- a persona keeps its id, and the name a person gave it, across runs; each customer's current persona.
CREATE SEQUENCE persona_run_id_seq START 1;
CREATE TABLE persona_runs (
  workspace_id BIGINT NOT NULL,
  run_id BIGINT NOT NULL DEFAULT nextval('persona_run_id_seq'),
  fitted_at TIMESTAMP NOT NULL,
  k INTEGER NOT NULL,
  silhouette DOUBLE PRECISION NOT NULL,
  seed INTEGER NOT NULL,
  customers INTEGER NOT NULL,
  min_touchpoints INTEGER NOT NULL,
  -- [{name, group, mean, sd, weight}], in the order of the centroids' coordinates.
  features JSON NOT NULL,
  -- [{k, silhouette}] for each k tried.
  candidates JSON NOT NULL,
  PRIMARY KEY (workspace_id, run_id)
);

CREATE SEQUENCE persona_id_seq START 1;
CREATE TABLE personas (
  workspace_id BIGINT NOT NULL,
  persona_id BIGINT NOT NULL DEFAULT nextval('persona_id_seq'),
  name TEXT NOT NULL,
  -- Set once a person renames the persona: a rerun then keeps the name.
  renamed_at TIMESTAMP,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, persona_id)
);

-- Each persona as one run found it: its centroid (scaled space) and its description.
CREATE TABLE persona_versions (
  workspace_id BIGINT NOT NULL,
  run_id BIGINT NOT NULL,
  persona_id BIGINT NOT NULL,
  centroid JSON NOT NULL,
  customers INTEGER NOT NULL,
  description JSON NOT NULL,
  PRIMARY KEY (workspace_id, run_id, persona_id)
);

-- Segment rules read this table: keep workspace_id, customer_id and persona_id.
CREATE TABLE persona_assignments (
  workspace_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  persona_id BIGINT NOT NULL,
  run_id BIGINT NOT NULL,
  -- Distance to the persona's centroid in the run's scaled space.
  distance DOUBLE PRECISION NOT NULL,
  assigned_at TIMESTAMP NOT NULL,
  PRIMARY KEY (workspace_id, customer_id)
);
