import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { useLocation } from 'react-router-dom';
import { forgetBehind, oldestBehind, subscribeBehind } from '../api.ts';

/**
 * Says when some figures on the page come from before the latest events: the server gives a console session
 * an answer up to a few minutes old at once rather than computing for seconds, and makes it again meanwhile.
 */
export function BehindNotice() {
  const seconds = useSyncExternalStore(subscribeBehind, oldestBehind);
  const queries = useQueryClient();
  const { pathname } = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page starts with nothing behind.
  useEffect(() => forgetBehind(), [pathname]);
  if (seconds === null) return null;
  const showLatest = () => {
    forgetBehind();
    void queries.invalidateQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
  };
  return (
    <p className="behind" role="status">
      Some figures here are from {seconds < 60 ? 'less than a minute' : `${Math.round(seconds / 60)} min`}{' '}
      ago; the events that came in since are being counted.{' '}
      <button type="button" onClick={showLatest}>
        Show the latest
      </button>
    </p>
  );
}
