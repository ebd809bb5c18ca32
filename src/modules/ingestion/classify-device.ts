/**
 * The class of device a touchpoint came from: mobile, tablet, desktop, tv, iot or kiosk. An SDK's own
 * `context.device.type` wins; otherwise the user agent decides. Null when nothing tells (a server event).
 */
import { UAParser } from 'ua-parser-js';
import type { CompiledRules } from './touchpoint-rules.ts';

export const DEVICE_CLASSES = ['mobile', 'tablet', 'desktop', 'tv', 'iot', 'kiosk'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

const DECLARED = new Map<string, DeviceClass>(
  Object.entries({
    mobile: 'mobile',
    phone: 'mobile',
    ios: 'mobile',
    android: 'mobile',
    tablet: 'tablet',
    ipad: 'tablet',
    desktop: 'desktop',
    tv: 'tv',
    smarttv: 'tv',
    tvos: 'tv',
    console: 'tv',
    kiosk: 'kiosk',
    pos: 'kiosk',
    iot: 'iot',
    wearable: 'iot',
    embedded: 'iot',
    watch: 'iot',
  }) as Array<[string, DeviceClass]>,
);

/** The built-in rules, after the workspace's own (touchpoint-rules.ts) when it has some. */
export function classifyDevice(
  context: { device?: unknown; userAgent?: unknown },
  rules?: CompiledRules,
): DeviceClass | null {
  const declared = (context.device as { type?: unknown } | undefined)?.type;
  const own = rules?.device({
    deviceType: typeof declared === 'string' ? declared : null,
    userAgent: typeof context.userAgent === 'string' ? context.userAgent : null,
  });
  if (own) return own;
  if (typeof declared === 'string') {
    const device = DECLARED.get(declared.trim().toLowerCase());
    if (device) return device;
  }
  if (typeof context.userAgent !== 'string' || context.userAgent === '') return null;
  return deviceOfUserAgent(context.userAgent);
}

/** Parsed user agents: a site's visitors use a few hundred, and parsing one costs far more than a lookup. */
const byUserAgent = new Map<string, DeviceClass | null>();
const MAX_REMEMBERED = 2000;

function deviceOfUserAgent(userAgent: string): DeviceClass | null {
  const remembered = byUserAgent.get(userAgent);
  if (remembered !== undefined) return remembered;
  const parsed = new UAParser(userAgent).getResult();
  // A browser on a desktop OS has no device type in the parser's terms.
  const device =
    (parsed.device.type ? DECLARED.get(parsed.device.type) : undefined) ??
    (parsed.browser.name || parsed.os.name ? 'desktop' : null);
  if (byUserAgent.size >= MAX_REMEMBERED) byUserAgent.clear();
  byUserAgent.set(userAgent, device);
  return device;
}
