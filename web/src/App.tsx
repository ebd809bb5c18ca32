import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ComponentType, lazy, Suspense } from 'react';
import { NavLink, Route, Routes } from 'react-router-dom';
import { currentSession, type Session, signOut } from './api.ts';
import { NotYet } from './pages/NotYet.tsx';
import { SignIn } from './pages/SignIn.tsx';

// Each page's charts load with the page: the first screen carries only what it shows.
const Overview = lazy(() => import('./pages/Overview.tsx'));
const Value = lazy(() => import('./pages/Value.tsx'));
const Strategy = lazy(() => import('./pages/Strategy.tsx'));
const Customers = lazy(() => import('./pages/Customers.tsx'));
const Personas = lazy(() => import('./pages/Personas.tsx'));
const Funnel = lazy(() => import('./pages/Funnel.tsx'));
const Touchpoints = lazy(() => import('./pages/Touchpoints.tsx'));
const Segments = lazy(() => import('./pages/Segments.tsx'));
const Settings = lazy(() => import('./pages/Settings.tsx'));
const Customer = lazy(() => import('./pages/Customers.tsx').then((page) => ({ default: page.Customer })));
/** The pages built so far, by path; the others say they are not available yet. */
const BUILT: Record<string, ComponentType> = {
  '/': Overview,
  '/funnel': Funnel,
  '/touchpoints': Touchpoints,
  '/customers': Customers,
  '/personas': Personas,
  '/segments': Segments,
  '/value': Value,
  '/strategy': Strategy,
  '/settings': Settings,
};

/** The pages of the console; those not built yet say so instead of breaking. */
const PAGES: Array<{ path: string; title: string }> = [
  { path: '/', title: 'Overview' },
  { path: '/funnel', title: 'Funnel & journeys' },
  { path: '/touchpoints', title: 'Touchpoints' },
  { path: '/customers', title: 'Customers' },
  { path: '/personas', title: 'Personas' },
  { path: '/segments', title: 'Segments' },
  { path: '/value', title: 'Value' },
  { path: '/strategy', title: 'Strategy' },
  { path: '/settings', title: 'Settings' },
];

export function App() {
  const session = useQuery({ queryKey: ['session'], queryFn: currentSession });
  if (session.isPending) return <p className="loading">Loading…</p>;
  if (session.isError) return <p className="error">{session.error.message}</p>;
  if (!session.data) return <SignIn />;
  return <Console session={session.data} />;
}

function Console({ session }: { session: Session }) {
  const queries = useQueryClient();
  const leave = async () => {
    await signOut();
    // What this user saw goes with them; the sign-in form comes back.
    queries.removeQueries({ predicate: (query) => query.queryKey[0] !== 'session' });
    queries.setQueryData(['session'], null);
  };
  return (
    <div className="console">
      <nav aria-label="Pages">
        <h1>Agora</h1>
        {PAGES.map((page) => (
          <NavLink key={page.path} to={page.path} end>
            {page.title}
          </NavLink>
        ))}
        <p className="who">
          {session.user.email} ({session.user.role})
        </p>
        <button type="button" onClick={leave}>
          Sign out
        </button>
      </nav>
      <main>
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Routes>
            {PAGES.map((page) => {
              const Page = BUILT[page.path];
              return (
                <Route
                  key={page.path}
                  path={page.path}
                  element={Page ? <Page /> : <NotYet title={page.title} />}
                />
              );
            })}
            <Route path="/customers/:customerId" element={<Customer />} />
            <Route path="*" element={<NotYet title="Page not found" />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
