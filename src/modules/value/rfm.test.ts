import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { describeEachEngine } from '../../../test/engines.ts';
import { createIngestService } from '../ingestion/index.ts';
import { createLifecycleService } from '../lifecycle/index.ts';
import { rfmSegment } from './compute-rfm.ts';
import { RfmQuerySchema } from './value.schema.ts';
import { createValueService } from './value.service.ts';

const DAY = 86_400_000;
const D0 = Date.parse('2026-02-02T00:00:00Z');

describe('RFM segments', () => {
  it('names each recency × frequency cell', () => {
    const grid = [5, 4, 3, 2, 1].map((r) => [1, 2, 3, 4, 5].map((f) => rfmSegment(r, f)));
    expect(grid).toEqual([
      ['new', 'potential_loyalists', 'potential_loyalists', 'champions', 'champions'],
      ['promising', 'potential_loyalists', 'potential_loyalists', 'champions', 'champions'],
      ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
      ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'at_risk'],
      ['lost', 'lost', 'at_risk', 'at_risk', 'cannot_lose'],
    ]);
  });
});

describeEachEngine('RFM scores', ({ db }) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(db());
    // Customer k (1 … 10) bought on days 0 … k−1, 10 each time, and customer 11 once, on day 19.
    const messages: object[] = [];
    let sequence = 0;
    const order = (userId: string, day: number) => ({
      type: 'track',
      event: 'Order Completed',
      userId,
      messageId: `r-${++sequence}`,
      timestamp: new Date(D0 + day * DAY + 12 * 3_600_000).toISOString(),
      properties: { order_id: `R-${sequence}`, total: 10 },
    });
    for (let k = 1; k <= 10; k++) for (let day = 0; day < k; day++) messages.push(order(`k${k}`, day));
    messages.push(order('k11', 19));
    const result = await createIngestService(t.deps).ingest(t.workspace.workspaceId, messages);
    expect(result.rejected).toEqual([]);
  });
  afterAll(() => t.app.close());

  it('scores by fifths of the ranking, customers alike sharing a score, and counts each cell and segment', async () => {
    const report = await createValueService({ db: db(), lifecycle: createLifecycleService(t.deps) }).rfm(
      t.workspace.workspaceId,
      RfmQuerySchema.parse({ asOf: new Date(D0 + 20 * DAY).toISOString() }),
    );
    // Recency: k11 (1 day) is the most recent, then k10 … k1 (11 … 20 days): percent ranks 0, 0.1, … 1.
    // Frequency: k1 and k11 bought on one day each (rank 0, both F1); k2 … k10 ranks 0.2 … 1.
    expect(report.customers).toBe(11);
    const cell = (r: number, f: number) => report.grid[r - 1]![f - 1];
    // k1: R1 F1. k2: R1 (0.1) F2 (0.2). k3, k4: R2 F2, F3 … k10: R5 F5. k11: R5 F1.
    expect(cell(1, 1)).toBe(1);
    expect(cell(1, 2)).toBe(1);
    expect(cell(5, 1)).toBe(1);
    expect(cell(5, 5)).toBe(2);
    expect(report.grid.flat().reduce((a, b) => a + b, 0)).toBe(11);
    const segments = Object.fromEntries(report.segments.map((row) => [row.segment, row.customers]));
    // k1, k2 lost; k3 hibernating; k4 at risk; k5 need attention; k6 loyal; k7 … k10 champions; k11 new.
    expect(segments).toEqual({
      champions: 4,
      loyal: 1,
      new: 1,
      need_attention: 1,
      at_risk: 1,
      hibernating: 1,
      lost: 2,
    });
    expect(report.segments.find((row) => row.segment === 'new')).toMatchObject({
      monetary: 10,
      meanRecencyDays: 1,
    });
  });
});
