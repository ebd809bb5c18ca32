/**
 * Segment webhooks: where joins and leaves may be sent, and the delivery loop that sends them. Each segment's
 * deliveries go out one at a time in the order they were queued (a customer's join before their leave); a
 * failed attempt is retried with growing waits, and one given up on stays in the log, to be retried on demand.
 * Nothing here runs on the ingestion path: a dead receiver slows no tracking call.
 */

import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError, messageOf } from '../../platform/errors/app-error.ts';
import type { Logger } from '../../platform/log.ts';
import { repeatEvery } from '../../platform/workers/repeat-every.ts';
import { parseJson } from './segment.store.ts';

export const MAX_ATTEMPTS = 12;
const TIMEOUT_MS = 10_000;
/** 30 s, 1 min, 2 min, … up to an hour between attempts: about six and a half hours in all. */
export const defaultBackoffMs = (attempts: number) => Math.min(30_000 * 2 ** (attempts - 1), 3_600_000);

const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

const isPrivate = (address: string) => {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
};

/** An http(s) URL whose host is not a private or loopback address (unless allowed): else a 400 on `webhookUrl`. */
export async function checkWebhookUrl(text: string, allowPrivate: boolean): Promise<string> {
  const refuse = (why: string) =>
    new AppError('INVALID_INPUT', `webhookUrl: ${why}`, { details: [{ path: 'webhookUrl', message: why }] });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse(`"${text}" is not a URL; give one such as https://hooks.example.com/agora`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw refuse(`must be an http or https URL, not ${url.protocol.replace(':', '')}`);
  if (allowPrivate) return url.toString();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (found) => found.map((entry) => entry.address),
        () => {
          throw refuse(`the host ${host} cannot be found; check the spelling`);
        },
      );
  if (addresses.some(isPrivate))
    throw refuse(
      `${host} is a private or loopback address; Agora sends segments only to public hosts unless AGORA_ALLOW_PRIVATE_WEBHOOKS=true`,
    );
  return url.toString();
}

interface DueDelivery {
  workspace_id: number;
  delivery_id: number;
  url: string;
  payload: string | object;
  attempts: number;
}

export function createWebhookDeliverer(deps: {
  db: Database;
  clock: Clock;
  log: Logger;
  allowPrivate: boolean;
  backoffMs?: (attempts: number) => number;
}) {
  const { db, clock, log, allowPrivate, backoffMs = defaultBackoffMs } = deps;

  /** The oldest pending delivery of each segment, when its time has come. */
  const due = () =>
    db.query<DueDelivery>(
      `SELECT d.workspace_id, d.delivery_id, d.url, d.payload, d.attempts FROM segment_deliveries d
       WHERE d.status = 'pending' AND d.next_attempt_at <= $1
         AND d.delivery_id = (SELECT min(o.delivery_id) FROM segment_deliveries o
           WHERE o.workspace_id = d.workspace_id AND o.segment_id = d.segment_id AND o.status = 'pending')
       ORDER BY d.delivery_id LIMIT 50`,
      [clock.now()],
    );

  async function send(delivery: DueDelivery): Promise<{ status: number | null; error: string | null }> {
    try {
      await checkWebhookUrl(delivery.url, allowPrivate);
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Agora segment webhook',
          // The same for every attempt of this delivery: a receiver that saw it already can drop it.
          'idempotency-key': `agora-${delivery.workspace_id}-${delivery.delivery_id}`,
        },
        body: JSON.stringify({
          deliveryId: delivery.delivery_id,
          ...(parseJson(delivery.payload) as object),
        }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
        redirect: 'error',
      });
      await response.body?.cancel();
      return response.ok
        ? { status: response.status, error: null }
        : {
            status: response.status,
            error: `the receiver answered ${response.status} ${response.statusText}`,
          };
    } catch (error) {
      return { status: null, error: messageOf(error) };
    }
  }

  async function attempt(delivery: DueDelivery): Promise<boolean> {
    const { status, error } = await send(delivery);
    const attempts = delivery.attempts + 1;
    const now = clock.now();
    if (error === null) {
      await db.query(
        `UPDATE segment_deliveries SET status = 'delivered', attempts = $3, last_status = $4, last_error = NULL,
           delivered_at = $5 WHERE workspace_id = $1 AND delivery_id = $2`,
        [delivery.workspace_id, delivery.delivery_id, attempts, status, now],
      );
      return true;
    }
    const givenUp = attempts >= MAX_ATTEMPTS;
    await db.query(
      `UPDATE segment_deliveries SET status = $3, attempts = $4, last_status = $5, last_error = $6, next_attempt_at = $7
       WHERE workspace_id = $1 AND delivery_id = $2`,
      [
        delivery.workspace_id,
        delivery.delivery_id,
        givenUp ? 'failed' : 'pending',
        attempts,
        status,
        error,
        new Date(now.getTime() + backoffMs(attempts)),
      ],
    );
    log.warn(
      { deliveryId: delivery.delivery_id, attempts, error },
      givenUp ? 'segment webhook given up' : 'segment webhook failed; will retry',
    );
    return false;
  }

  /** Sends what is due; a segment whose delivery fails waits for its retry before its next one. */
  async function deliverDue(): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    for (const delivery of await due()) {
      if (await attempt(delivery)) delivered += 1;
      else failed += 1;
    }
    return { delivered, failed };
  }

  return {
    deliverDue,
    /** Delivers every few seconds until the returned stop is called. */
    start(everyMs: number): () => Promise<void> {
      return repeatEvery(everyMs, deliverDue, (error) =>
        log.error({ err: error }, 'segment webhook delivery failed'),
      );
    },
  };
}

export type WebhookDeliverer = ReturnType<typeof createWebhookDeliverer>;
