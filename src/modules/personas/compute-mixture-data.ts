/**
 * The feature table as the latent-class model reads it: each categorical feature as the counts of its
 * categories — touchpoint counts for what varies by touchpoint (channel, format, behaviour, time of day),
 * one observation for what a customer is (device, B2B membership) — and the purchase features as numbers.
 */
import type { MixtureData } from './compute-latent-classes.ts';
import { FEATURES, type FeatureGroup, type FeatureTable } from './persona-features.query.ts';

/** How each group's shares become counts: of which total, and whether the rest is a category of its own. */
const BLOCKS: Array<{
  group: FeatureGroup;
  names?: RegExp;
  total: 'channel' | 'format' | 'touchpoints' | 'one';
  rest: boolean;
}> = [
  { group: 'channel', total: 'channel', rest: false },
  { group: 'format', total: 'format', rest: false },
  { group: 'behaviour', total: 'touchpoints', rest: true },
  { group: 'timing', names: /^timing:(night|morning|afternoon|evening)$/, total: 'touchpoints', rest: false },
  { group: 'timing', names: /^timing:weekend$/, total: 'touchpoints', rest: true },
  { group: 'device', total: 'one', rest: false },
  { group: 'b2b', names: /^b2b:member$/, total: 'one', rest: true },
];
const NUMERIC = ['purchase:order_value'];

export function mixtureDataOf(table: FeatureTable): MixtureData {
  const rows = table.customerIds.length;
  const width = FEATURES.length;
  const layout = BLOCKS.map((block) => ({
    ...block,
    sources: FEATURES.flatMap((feature, j) =>
      feature.group === block.group && (!block.names || block.names.test(feature.name)) ? [j] : [],
    ),
  })).filter((block) => block.sources.length > 0);
  const numeric = NUMERIC.map((name) => FEATURES.findIndex((feature) => feature.name === name));
  let columns = 0;
  const blocks = layout.map((block) => {
    const size = block.sources.length + (block.rest ? 1 : 0);
    const indices = Array.from({ length: size }, (_, v) => columns + v);
    columns += size;
    return { name: block.group, columns: indices };
  });
  const numericColumns = numeric.map((_, g) => columns + g);
  const out = new Float64Array(rows * (columns + numeric.length));
  const outWidth = columns + numeric.length;
  const totals = {
    channel: table.channelTouches,
    format: table.formatTouches,
    touchpoints: table.touchpoints,
    one: null,
  };
  for (let i = 0; i < rows; i++) {
    layout.forEach((block, b) => {
      const total = block.total === 'one' ? 1 : totals[block.total]![i]!;
      let counted = 0;
      block.sources.forEach((source, v) => {
        const share = table.values[i * width + source]!;
        const count = Number.isNaN(share) ? 0 : share * total;
        out[i * outWidth + blocks[b]!.columns[v]!] = count;
        counted += count;
      });
      if (block.rest)
        out[i * outWidth + blocks[b]!.columns[block.sources.length]!] = Math.max(0, total - counted);
    });
    numeric.forEach((source, g) => {
      out[i * outWidth + numericColumns[g]!] = source < 0 ? Number.NaN : table.values[i * width + source]!;
    });
  }
  return { rows, values: out, width: outWidth, blocks, numeric: numericColumns };
}
