/**
 * A segment's webhook: where its joins and leaves are POSTed (set or cleared by saving the segment again with
 * its own definition), and the delivery log, with a retry for deliveries given up on.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import { Loaded } from '../components/Loaded.tsx';
import type { SavedSegment } from './SegmentDetail.tsx';

interface Delivery {
  deliveryId: number;
  url: string;
  customers: number;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

const minute = (time: string | null) => time?.slice(0, 16).replace('T', ' ') ?? '–';

export function SegmentWebhook({ segment }: { segment: SavedSegment }) {
  const queries = useQueryClient();
  const path = `/api/segments/${encodeURIComponent(segment.slug)}`;
  const [url, setUrl] = useState(segment.webhookUrl ?? '');
  const deliveries = useQuery({
    queryKey: ['segment', segment.slug, 'deliveries'],
    queryFn: () => api<{ deliveries: Delivery[] }>('GET', `${path}/deliveries?limit=20`),
    // Deliveries change as the server sends them: followed while the page is open.
    refetchInterval: 10_000,
  });
  const changed = () => {
    void queries.invalidateQueries({ queryKey: ['segment', segment.slug] });
    void queries.invalidateQueries({ queryKey: ['segments'] });
  };
  const save = useMutation({
    // The API saves a segment whole: its definition goes back unchanged beside the new URL.
    mutationFn: (webhookUrl: string | null) =>
      api<SavedSegment>('PUT', path, {
        name: segment.name,
        description: segment.description,
        rules: segment.rules,
        refreshMinutes: segment.refreshMinutes,
        webhookUrl,
      }),
    onSuccess: (saved) => {
      setUrl(saved.webhookUrl ?? '');
      changed();
    },
  });
  const retry = useMutation({
    mutationFn: (deliveryId: number) => api('POST', `${path}/deliveries/${deliveryId}/retry`),
    onSuccess: changed,
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    save.mutate(url.trim() || null);
  };
  return (
    <figure>
      <figcaption>Webhook: each refresh’s joins and leaves, POSTed as JSON</figcaption>
      <form className="search webhook" onSubmit={submit}>
        <label>
          Webhook URL
          <input
            name="webhookUrl"
            value={url}
            placeholder="https://hooks.example.com/agora"
            aria-invalid={save.isError}
            aria-describedby={save.isError ? 'webhook-error' : undefined}
            onChange={(event) => setUrl(event.target.value)}
          />
        </label>
        <button type="submit" disabled={save.isPending}>
          Save webhook
        </button>
        {segment.webhookUrl && (
          <button type="button" disabled={save.isPending} onClick={() => save.mutate(null)}>
            Remove webhook
          </button>
        )}
        {save.isError && (
          <p className="error" role="alert" id="webhook-error">
            {save.error.message}
          </p>
        )}
        {save.isSuccess && (
          <p className="created" role="status">
            {save.data.webhookUrl ? `Saved: joins and leaves go to ${save.data.webhookUrl}.` : 'Removed.'}
          </p>
        )}
      </form>
      <h3>Recent deliveries</h3>
      {retry.isError && (
        <p className="error" role="alert">
          {retry.error.message}
        </p>
      )}
      <Loaded query={deliveries}>
        {(data) =>
          data.deliveries.length === 0 ? (
            <p className="empty">
              None yet: a delivery is queued when a refresh finds customers who joined or left.
            </p>
          ) : (
            <table data-testid="deliveries">
              <thead>
                <tr>
                  <th>Delivery</th>
                  <th>Queued (UTC)</th>
                  <th>Customers</th>
                  <th>Status</th>
                  <th>Attempts</th>
                  <th>Last answer</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.deliveries.map((delivery) => (
                  <tr key={delivery.deliveryId}>
                    <td title={delivery.url}>{delivery.deliveryId}</td>
                    <td>{minute(delivery.createdAt)}</td>
                    <td>{delivery.customers.toLocaleString('en-US')}</td>
                    <td className={`delivery-${delivery.status}`}>{delivery.status}</td>
                    <td>{delivery.attempts}</td>
                    <td className="last-answer">
                      {delivery.lastError ??
                        (delivery.lastStatus === null ? '–' : `HTTP ${delivery.lastStatus}`)}
                      {delivery.status === 'pending' && delivery.attempts > 0 && (
                        <small> (next attempt {minute(delivery.nextAttemptAt)})</small>
                      )}
                    </td>
                    <td>
                      {delivery.status === 'failed' && (
                        <button
                          type="button"
                          disabled={retry.isPending}
                          onClick={() => retry.mutate(delivery.deliveryId)}
                        >
                          Retry
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </figure>
  );
}
