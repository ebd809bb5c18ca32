import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ComponentType, lazy, Suspense } from 'react';
import { Link, NavLink, Route, Routes, useLocation } from 'react-router-dom';
import { currentSession, type Session, signOut } from './api.ts';
import { BehindNotice } from './components/BehindNotice.tsx';
import { WorkspaceSwitcher } from './components/WorkspaceSwitcher.tsx';
import { FilterBar } from './filters.tsx';
import { PasswordEntry } from './pages/PasswordEntry.tsx';
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
const SegmentDetail = lazy(() => import('./pages/SegmentDetail.tsx'));
const PasswordChange = lazy(() => import('./pages/PasswordChange.tsx'));
/** The console's pages, in the navigation's order. */
const PAGES: Array<{ path: string; title: string; page: ComponentType }> = [
  { path: '/', title: 'Overview', page: Overview },
  { path: '/funnel', title: 'Funnel & journeys', page: Funnel },
  { path: '/touchpoints', title: 'Touchpoints', page: Touchpoints },
  { path: '/customers', title: 'Customers', page: Customers },
  { path: '/personas', title: 'Personas', page: Personas },
  { path: '/segments', title: 'Segments', page: Segments },
  { path: '/value', title: 'Value', page: Value },
  { path: '/strategy', title: 'Strategy', page: Strategy },
  { path: '/settings', title: 'Settings', page: Settings },
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
  const location = useLocation();
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
        <WorkspaceSwitcher />
        {PAGES.map((page) => (
          // The filter travels with the navigation.
          <NavLink key={page.path} to={{ pathname: page.path, search: location.search }} end>
            {page.title}
          </NavLink>
        ))}
        <p className="who">
          {session.user.email} ({session.user.role})
        </p>
        <PasswordEntry mustChange={session.user.mustChangePassword} />
        <button type="button" onClick={leave}>
          Sign out
        </button>
      </nav>
      <main>
        <FilterBar />
        <BehindNotice />
        <Suspense fallback={<p className="loading">Loading…</p>}>
          <Routes>
            {PAGES.map(({ path, page: Page }) => (
              <Route key={path} path={path} element={<Page />} />
            ))}
            <Route path="/customers/:customerId" element={<Customer />} />
            <Route path="/segments/:slug" element={<SegmentDetail />} />
            <Route path="/password" element={<PasswordChange />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section>
      <h2>Page not found</h2>
      <p className="empty">
        This address is no page of the console. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}
