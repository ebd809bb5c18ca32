/**
 * Reads a rule tree from JSON, or refuses it with every fault named by its path in the tree
 * (`rules.all[1].count.value: must be a number`), so that a person can find and fix each one.
 */
import { AppError } from '../../platform/errors/app-error.ts';
import { LEAF_SCHEMAS, RULE_KEYS, type Rule } from './segment-rules.schema.ts';

export const MAX_DEPTH = 8;
export const MAX_RULES = 100;

export interface RuleFault {
  path: string;
  message: string;
}

export function parseSegmentRules(input: unknown, root = 'rules'): Rule {
  const faults: RuleFault[] = [];
  let count = 0;

  const read = (value: unknown, path: string, depth: number): Rule | null => {
    count += 1;
    if (depth > MAX_DEPTH) {
      faults.push({ path, message: `is nested too deep: at most ${MAX_DEPTH} levels` });
      return null;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      faults.push({ path, message: 'must be a rule object, e.g. {"event": "Order Completed"}' });
      return null;
    }
    const keys = RULE_KEYS.filter((key) => key in value);
    if (keys.length !== 1) {
      faults.push({ path, message: keys.length === 0 ? unknownRule(value) : twoRules(keys) });
      return null;
    }
    const [key] = keys as [(typeof RULE_KEYS)[number]];
    const record = value as Record<string, unknown>;
    if (key === 'all' || key === 'any') return readList(key, record, path, depth);
    if (key === 'not') {
      if (Object.keys(record).length > 1) faults.push({ path, message: extraKeys(record, ['not']) });
      const inner = read(record.not, `${path}.not`, depth + 1);
      return inner && { not: inner };
    }
    const parsed = LEAF_SCHEMAS[key as keyof typeof LEAF_SCHEMAS].safeParse(value);
    if (parsed.success) return parsed.data as Rule;
    for (const issue of parsed.error.issues) {
      faults.push({ path: [path, ...issue.path.map(String)].join('.'), message: issue.message });
    }
    return null;
  };

  const readList = (key: 'all' | 'any', record: Record<string, unknown>, path: string, depth: number) => {
    const list = record[key];
    if (Object.keys(record).length > 1) faults.push({ path, message: extraKeys(record, [key]) });
    if (!Array.isArray(list) || list.length === 0) {
      faults.push({ path: `${path}.${key}`, message: 'must be a non-empty list of rules' });
      return null;
    }
    const rules = list.map((item, index) => read(item, `${path}.${key}[${index}]`, depth + 1));
    return rules.every((rule): rule is Rule => rule !== null) ? ({ [key]: rules } as Rule) : null;
  };

  const rule = read(input, root, 1);
  if (count > MAX_RULES) faults.push({ path: root, message: `holds ${count} rules; at most ${MAX_RULES}` });
  if (faults.length > 0 || !rule) throw invalidRules(faults);
  return rule;
}

export function invalidRules(faults: RuleFault[]): AppError {
  const shown = faults
    .slice(0, 5)
    .map((fault) => `${fault.path}: ${fault.message}`)
    .join('; ');
  const more = faults.length > 5 ? ` (and ${faults.length - 5} more)` : '';
  return new AppError('INVALID_INPUT', `Invalid segment rules: ${shown}${more}.`, { details: faults });
}

const unknownRule = (value: object) => {
  const keys = Object.keys(value);
  const named = keys.length
    ? `"${keys.join('", "')}" ${keys.length > 1 ? 'are not rules' : 'is not a rule'}`
    : 'is empty';
  return `${named}; a rule has one of the keys ${RULE_KEYS.join(', ')}`;
};

const twoRules = (keys: readonly string[]) =>
  `has both "${keys[0]}" and "${keys[1]}"; one object is one rule: put several in {"all": [...]} or {"any": [...]}`;

const extraKeys = (record: Record<string, unknown>, allowed: string[]) =>
  `has "${Object.keys(record)
    .filter((key) => !allowed.includes(key))
    .join('", "')}" beside "${allowed[0]}"; "${allowed[0]}" takes nothing else`;
