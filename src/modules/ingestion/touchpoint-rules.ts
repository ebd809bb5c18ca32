/**
 * A workspace's own touchpoint rules: ordered lists, tried before the built-in channel and device rules,
 * the first whose conditions all hold deciding. A condition is a pattern where `*` stands for any run of
 * characters, compared with the whole value, ignoring case — no regular expressions, so that a rule can
 * be neither wrong in surprising ways nor slow.
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from './classify-channel.ts';
import { DEVICE_CLASSES, type DeviceClass } from './classify-device.ts';

const Pattern = z.string().trim().min(1).max(200).describe('a value, where * stands for any characters');
const atLeastOne = (conditions: object) => Object.keys(conditions).length > 0;

export const ChannelRuleSchema = z.object({
  when: z
    .strictObject({
      source: Pattern.optional().describe('utm_source or context.campaign.source'),
      medium: Pattern.optional().describe('utm_medium or context.campaign.medium'),
      campaign: Pattern.optional().describe('utm_campaign or context.campaign.name'),
      referrerHost: Pattern.optional().describe("the referrer's host, without www."),
      pageHost: Pattern.optional().describe("the page's host, without www."),
      urlParameter: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .optional()
        .describe('a parameter present in the page URL'),
    })
    .refine(atLeastOne, 'give at least one condition'),
  channel: z.enum(CHANNELS),
  note: z.string().max(200).optional().describe('why the rule exists'),
});

export const DeviceRuleSchema = z.object({
  when: z
    .strictObject({
      deviceType: Pattern.optional().describe('context.device.type as the SDK sent it'),
      userAgent: Pattern.optional().describe('context.userAgent'),
    })
    .refine(atLeastOne, 'give at least one condition'),
  device: z.enum(DEVICE_CLASSES),
  note: z.string().max(200).optional(),
});

export const TouchpointRulesSchema = z.object({
  channel: z.array(ChannelRuleSchema).max(200).default([]),
  device: z.array(DeviceRuleSchema).max(200).default([]),
});

export type ChannelRule = z.infer<typeof ChannelRuleSchema>;
export type DeviceRule = z.infer<typeof DeviceRuleSchema>;
export type TouchpointRules = z.infer<typeof TouchpointRulesSchema>;

/** What the channel rules look at, as the built-in rules read it from the message. */
export interface ChannelFacts {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  referrerHost: string | null;
  pageHost: string | null;
  hasParameter(name: string): boolean;
}

export interface DeviceFacts {
  deviceType: string | null;
  userAgent: string | null;
}

export interface CompiledRules {
  channel(facts: ChannelFacts): Channel | undefined;
  device(facts: DeviceFacts): DeviceClass | undefined;
}

export const NO_RULES: CompiledRules = { channel: () => undefined, device: () => undefined };

export function compileRules(rules: TouchpointRules): CompiledRules {
  if (rules.channel.length === 0 && rules.device.length === 0) return NO_RULES;
  const channelRules = rules.channel.map((rule) => {
    const { urlParameter, ...patterns } = rule.when;
    const tests = Object.entries(patterns).map(([fact, pattern]) => {
      const regex = globToRegExp(pattern!);
      return (facts: ChannelFacts) => {
        const value = facts[fact as keyof Omit<ChannelFacts, 'hasParameter'>];
        return value !== null && regex.test(value);
      };
    });
    if (urlParameter) tests.push((facts) => facts.hasParameter(urlParameter));
    return { tests, channel: rule.channel };
  });
  const deviceRules = rules.device.map((rule) => ({
    tests: Object.entries(rule.when).map(([fact, pattern]) => {
      const regex = globToRegExp(pattern!);
      return (facts: DeviceFacts) => {
        const value = facts[fact as keyof DeviceFacts];
        return value !== null && regex.test(value);
      };
    }),
    device: rule.device,
  }));
  return {
    channel: (facts) => channelRules.find((rule) => rule.tests.every((test) => test(facts)))?.channel,
    device: (facts) => deviceRules.find((rule) => rule.tests.every((test) => test(facts)))?.device,
  };
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}
