import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';

/** A query's three states where people look: a skeleton while it loads, the API's message if it failed. */
export function Loaded<T>({
  query,
  height = 120,
  children,
}: {
  query: UseQueryResult<T, Error>;
  height?: number;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <div className="skeleton" style={{ height }} aria-busy="true" />;
  if (query.isError)
    return (
      <p className="error" role="alert">
        {query.error.message}
      </p>
    );
  return <>{children(query.data)}</>;
}
