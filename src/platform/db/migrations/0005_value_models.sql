-- Every fit of the customer-value models (docs/models/value.md), kept: what it was fitted on, its
-- parameters and log-likelihoods. A refit adds a version; nothing is overwritten.
CREATE SEQUENCE value_model_id_seq START 1;
CREATE TABLE value_models (
  workspace_id BIGINT NOT NULL,
  model_id BIGINT NOT NULL DEFAULT nextval('value_model_id_seq'),
  fitted_at TIMESTAMP NOT NULL,
  calibration_end TIMESTAMP NOT NULL,
  time_unit TEXT NOT NULL CHECK (time_unit IN ('day', 'week')),
  customers INTEGER NOT NULL,
  repeat_customers INTEGER NOT NULL,
  bgnbd JSON NOT NULL,
  gamma_gamma JSON NOT NULL,
  PRIMARY KEY (workspace_id, model_id)
);
