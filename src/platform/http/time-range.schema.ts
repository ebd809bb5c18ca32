/** A time range in a query, as every report takes it: `from` and `to`, `from` before `to`. */
import { z } from 'zod';

export const OptionalDateSchema = z.coerce
  .date({ error: 'must be a date or time, e.g. 2026-03-01' })
  .optional();

export const TimeRangeFields = { from: OptionalDateSchema, to: OptionalDateSchema };

export const FROM_BEFORE_TO = '`from` must be before `to`';

/** For `.refine(fromBeforeTo, fromBeforeToIssue())` on an object with the fields above. */
export const fromBeforeTo = (range: { from?: Date | undefined; to?: Date | undefined }) =>
  !range.from || !range.to || range.from < range.to;
// A new object each time: zod takes over the parameters object it is given.
export const fromBeforeToIssue = () => ({ message: FROM_BEFORE_TO, path: ['to'] });
