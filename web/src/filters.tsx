import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { api } from './api.ts';

/**
 * The console's global filter — a date range and a saved segment — kept in the address (?from=&to=&segment=),
 * so that a shared link shows what its sender saw. Each page passes on the parts its API calls take.
 */
export function useFilters() {
  const [params] = useSearchParams();
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const segment = params.get('segment') ?? '';
  /** The query string for calls that take from, to and savedSegment; `extra` first. */
  const query = (
    extra: Record<string, string> = {},
    parts: Array<'from' | 'to' | 'segment'> = ['from', 'to', 'segment'],
  ) => {
    const search = new URLSearchParams(extra);
    if (parts.includes('from') && from) search.set('from', from);
    if (parts.includes('to') && to) search.set('to', to);
    if (parts.includes('segment') && segment) search.set('savedSegment', segment);
    const text = search.toString();
    return text ? `?${text}` : '';
  };
  return { from, to, segment, query };
}

export function FilterBar() {
  const [params, setParams] = useSearchParams();
  const segments = useQuery({
    queryKey: ['segments'],
    queryFn: () => api<{ segments: Array<{ slug: string; name: string }> }>('GET', '/api/segments'),
  });
  const set = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next);
  };
  return (
    <search className="filters" aria-label="Filter every page">
      <label>
        From
        <input
          type="date"
          value={params.get('from') ?? ''}
          onChange={(event) => set('from', event.target.value)}
        />
      </label>
      <label>
        To
        <input
          type="date"
          value={params.get('to') ?? ''}
          onChange={(event) => set('to', event.target.value)}
        />
      </label>
      <label>
        Segment
        <select value={params.get('segment') ?? ''} onChange={(event) => set('segment', event.target.value)}>
          <option value="">all customers</option>
          {segments.data?.segments.map((segment) => (
            <option key={segment.slug} value={segment.slug}>
              {segment.name}
            </option>
          ))}
        </select>
      </label>
    </search>
  );
}
