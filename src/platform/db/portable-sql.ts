/** SQL fragments that read the same on both engines, in the portable forms docs/architecture.md lists. */

/** Seconds since the epoch of a TIMESTAMP, as a double on both (PostgreSQL's extract gives numeric). */
export const epochSeconds = (column: string) => `CAST(extract(epoch FROM ${column}) AS DOUBLE PRECISION)`;

/** The day of a TIMESTAMP as a whole number of days since the epoch (UTC days: timestamps are UTC). */
export const epochDay = (column: string) => `CAST(floor(${epochSeconds(column)} / 86400) AS INTEGER)`;

/** Days from one TIMESTAMP to another, as a double. */
export const daysBetween = (from: string, to: string) =>
  `(${epochSeconds(to)} - ${epochSeconds(from)}) / 86400.0`;

/** A statement built for running later: its text and its positional parameters. */
export interface SqlQuery {
  sql: string;
  params: unknown[];
}

/**
 * The text of a JSON scalar column: a string without its quotes, a number or boolean as written, JSON null
 * as NULL. A cast to TEXT keeps a string's quotes on both engines; `->>` on an object unquotes on both.
 */
export const jsonScalarText = (column: string) =>
  `(CAST('{"v":' || CAST(${column} AS TEXT) || '}' AS JSON) ->> 'v')`;
