/** Fitted value models, kept by version (migration 0005). */
import type { Queryable } from '../../platform/db/database.ts';
import type { FitResult, StoredModel } from './value.schema.ts';

export async function storeFit(
  db: Queryable,
  workspaceId: number,
  fit: FitResult,
  fittedAt: Date,
): Promise<{ modelId: number; fittedAt: Date }> {
  const [row] = await db.query<{ model_id: number }>(
    `INSERT INTO value_models (workspace_id, fitted_at, calibration_end, time_unit, customers, repeat_customers,
       bgnbd, gamma_gamma)
     VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS JSON), CAST($8 AS JSON))
     RETURNING model_id`,
    [
      workspaceId,
      fittedAt,
      fit.calibrationEnd,
      fit.timeUnit,
      fit.customers,
      fit.repeatCustomers,
      JSON.stringify(fit.bgnbd),
      JSON.stringify(fit.gammaGamma),
    ],
  );
  return { modelId: row!.model_id, fittedAt };
}

export async function listFits(db: Queryable, workspaceId: number): Promise<StoredModel[]> {
  const rows = await db.query<{
    model_id: number;
    fitted_at: Date;
    calibration_end: Date;
    time_unit: 'day' | 'week';
    customers: number;
    repeat_customers: number;
    bgnbd: string | object;
    gamma_gamma: string | object;
  }>(
    `SELECT model_id, fitted_at, calibration_end, time_unit, customers, repeat_customers, bgnbd, gamma_gamma
     FROM value_models WHERE workspace_id = $1 ORDER BY model_id DESC`,
    [workspaceId],
  );
  // JSON comes back parsed from PostgreSQL and as text from DuckDB.
  const parse = <T>(value: string | object) => (typeof value === 'string' ? JSON.parse(value) : value) as T;
  return rows.map((row) => ({
    modelId: row.model_id,
    fittedAt: row.fitted_at,
    calibrationEnd: row.calibration_end,
    timeUnit: row.time_unit,
    customers: row.customers,
    repeatCustomers: row.repeat_customers,
    bgnbd: parse<StoredModel['bgnbd']>(row.bgnbd),
    gammaGamma: parse<StoredModel['gammaGamma']>(row.gamma_gamma),
  }));
}
