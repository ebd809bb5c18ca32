import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App.tsx';
import { ApiError, endSession } from './api.ts';
import './styles.css';

/**
 * A 401 from any call means the session ended (expired, or signed out elsewhere): back to the sign-in form,
 * which says why.
 */
const signedOut = (error: Error) => {
  if (error instanceof ApiError && error.status === 401) {
    endSession(error.message);
    queries.setQueryData(['session'], null);
  }
};
const queries: QueryClient = new QueryClient({
  defaultOptions: { queries: { retry: false, staleTime: 60_000 } },
  queryCache: new QueryCache({ onError: signedOut }),
  mutationCache: new MutationCache({ onError: signedOut }),
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
