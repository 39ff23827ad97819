import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { ErrorBoundary, Spinner } from './components/ui';
import { SignIn } from './features/auth/SignIn';
import { BookingDetail } from './features/bookings/BookingDetail';
import { CreateBooking } from './features/bookings/CreateBooking';
import { QUEUES, QueuePage } from './features/bookings/QueuePage';
import { NotAvailable } from './features/finance/common';
import { PayoutRunPage } from './features/finance/PayoutRunPage';
import { PayoutsPage } from './features/finance/PayoutsPage';
import { TeacherPayoutPage } from './features/finance/TeacherPayoutPage';
import { OperationsPage, PaymentsPage, RefundsPage } from './features/payments/PaymentsPages';
import { SettingsPage } from './features/settings/SettingsPage';
import { FINANCE_PAGES, navigate, useRoute } from './route';
import { useSession } from './session';
import { useTRPC, useTRPCClient } from './trpc';

// Charts are the heaviest part of the bundle; they load when the revenue page is first opened.
const RevenuePage = lazy(() =>
  import('./features/revenue/RevenuePage').then((module) => ({ default: module.RevenuePage })),
);
const LedgerPage = lazy(() =>
  import('./features/finance/LedgerPage').then((module) => ({ default: module.LedgerPage })),
);

type Theme = 'light' | 'dark';

function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const stored = localStorage.getItem('linguaflex-theme');
    if (stored === 'light' || stored === 'dark') return stored;
    return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  });
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
    localStorage.setItem('linguaflex-theme', theme);
  }, [theme]);
  return [theme, () => setTheme((current) => (current === 'dark' ? 'light' : 'dark'))];
}

/**
 * Every committed booking, payment or refund change refreshes what shows it, in every open console:
 * the booking's page (its actions depend on its payments and refund requests), its payment panel,
 * and the money lists, so another console's action (or Stripe's answer) appears without a reload.
 */
function LiveUpdates({ onStatus }: { onStatus: (status: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const subscription = useSubscription(
    trpc.bookings.onChange.subscriptionOptions(undefined, {
      onData: (event) => {
        const invalidate = (queryKey: readonly unknown[]) => void queryClient.invalidateQueries({ queryKey });
        const data = event.data;
        switch (data.type) {
          case 'booking.delivered':
            invalidate(trpc.bookings.get.queryKey({ id: data.bookingId }));
            invalidate(trpc.operations.failedDeliveries.pathKey());
            break;
          case 'booking.changed':
          case 'payment.changed':
          case 'refund.changed':
            invalidate(trpc.bookings.list.pathKey());
            invalidate(trpc.bookings.counts.pathKey());
            invalidate(trpc.bookings.get.queryKey({ id: data.bookingId }));
            invalidate(trpc.payments.forBooking.queryKey({ bookingId: data.bookingId }));
            invalidate(trpc.payments.get.pathKey());
            invalidate(trpc.payments.list.pathKey());
            invalidate(trpc.refunds.list.pathKey());
            invalidate(trpc.operations.mismatches.pathKey());
            invalidate(trpc.reports.revenue.pathKey());
            // Money moved: the ledger, payout previews and teachers' statements follow (R40).
            invalidate(trpc.ledger.pathKey());
            invalidate(trpc.payouts.preview.pathKey());
            invalidate(trpc.statements.pathKey());
            break;
          case 'payout.changed':
            invalidate(trpc.payouts.pathKey());
            invalidate(trpc.ledger.pathKey());
            invalidate(trpc.statements.pathKey());
            invalidate(trpc.operations.mismatches.pathKey());
            break;
          case 'teacher.account_changed':
            invalidate(trpc.teachers.pathKey());
            invalidate(trpc.payouts.preview.pathKey());
            break;
          default:
            // A resync (too much happened while disconnected) or an event this console does not know.
            void queryClient.invalidateQueries();
        }
      },
    }),
  );
  useEffect(() => onStatus(subscription.status), [subscription.status, onStatus]);
  return null;
}

export function App() {
  const { session, signOut, can } = useSession();
  const [theme, toggleTheme] = useTheme();
  const route = useRoute();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [liveStatus, setLiveStatus] = useState('idle');
  const searchRef = useRef<HTMLInputElement>(null);
  const counts = useQuery({
    ...trpc.bookings.counts.queryOptions(),
    enabled: session !== null,
    refetchInterval: 60_000,
  });

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing =
        target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT');
      if (event.key === '/' && !typing) {
        event.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!session) return <SignIn />;

  const signOutNow = () => {
    void client.auth.logout.mutate().catch(() => undefined);
    signOut();
  };

  return (
    <div className="layout">
      <LiveUpdates onStatus={setLiveStatus} />
      <nav className="sidebar" aria-label="Main">
        <div className="brand">LinguaFlex Ops</div>
        <div className="nav-section">Queues</div>
        {QUEUES.map((queue) => (
          <a
            key={queue.id}
            href={`#/queues/${queue.id}`}
            className={route.page === 'queue' && route.queue === queue.id ? 'nav-link active' : 'nav-link'}
            data-testid={`queue-link-${queue.id}`}
          >
            <span>{queue.label}</span>
            <span className="count">{counts.data && queue.id !== 'ALL' ? counts.data[queue.id] : ''}</span>
          </a>
        ))}
        <div className="nav-section">Work</div>
        {can('bookings.create') ? (
          <a href="#/new" className={route.page === 'new' ? 'nav-link active' : 'nav-link'}>
            New booking
          </a>
        ) : null}
        {can('payments.read') ? (
          <>
            <a href="#/payments" className={route.page === 'payments' ? 'nav-link active' : 'nav-link'}>
              Payments
            </a>
            <a href="#/refunds" className={route.page === 'refunds' ? 'nav-link active' : 'nav-link'}>
              Refund requests
            </a>
            <a href="#/operations" className={route.page === 'operations' ? 'nav-link active' : 'nav-link'}>
              Reconciliation
            </a>
          </>
        ) : null}
        {can('reports.read') ? (
          <a href="#/revenue" className={route.page === 'revenue' ? 'nav-link active' : 'nav-link'}>
            Revenue
          </a>
        ) : null}
        {can('payouts.read') ? (
          <>
            <a
              href="#/payouts"
              className={
                route.page === 'payouts' || route.page === 'payoutRun' || route.page === 'payoutTeacher'
                  ? 'nav-link active'
                  : 'nav-link'
              }
            >
              Payouts
            </a>
            <a href="#/ledger" className={route.page === 'ledger' ? 'nav-link active' : 'nav-link'}>
              Ledger
            </a>
          </>
        ) : null}
        {can('settings.read') ? (
          <a href="#/settings" className={route.page === 'settings' ? 'nav-link active' : 'nav-link'}>
            Settings
          </a>
        ) : null}
      </nav>
      <div className="main">
        <header className="topbar">
          <form
            className="search"
            role="search"
            onSubmit={(event) => {
              event.preventDefault();
              const text = searchRef.current?.value.trim() ?? '';
              navigate(`/queues/ALL/${encodeURIComponent(text)}`);
            }}
          >
            <input
              ref={searchRef}
              type="search"
              placeholder="Search student, teacher or booking id  ( / )"
              aria-label="Search bookings"
            />
          </form>
          <span className={`live live-${liveStatus}`} title="Live updates" data-testid="live-status">
            {liveStatus === 'pending' ? '● live' : liveStatus === 'connecting' ? '○ connecting' : `○ ${liveStatus}`}
          </span>
          <button type="button" className="button ghost" onClick={toggleTheme} aria-label="Toggle theme">
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
          <span className="who" data-testid="who">
            {session.staff.name} · {session.staff.role}
          </span>
          <button type="button" className="button ghost" onClick={signOutNow}>
            Sign out
          </button>
        </header>
        <main className="content">
          <ErrorBoundary resetKey={window.location.hash}>
            {route.page === 'queue' ? <QueuePage queue={route.queue} search={route.search ?? ''} /> : null}
            {route.page === 'booking' ? <BookingDetail id={route.id} /> : null}
            {route.page === 'new' ? <CreateBooking /> : null}
            {route.page === 'revenue' ? (
              <Suspense fallback={<Spinner label="Loading charts…" />}>
                <RevenuePage />
              </Suspense>
            ) : null}
            {route.page === 'settings' ? <SettingsPage /> : null}
            {route.page === 'payments' ? <PaymentsPage /> : null}
            {route.page === 'refunds' ? <RefundsPage /> : null}
            {route.page === 'operations' ? <OperationsPage /> : null}
            {FINANCE_PAGES.includes(route.page) && !can('payouts.read') ? (
              <NotAvailable role={session.staff.role} />
            ) : (
              <>
                {route.page === 'payouts' ? <PayoutsPage /> : null}
                {route.page === 'payoutRun' ? <PayoutRunPage id={route.id} /> : null}
                {route.page === 'payoutTeacher' ? <TeacherPayoutPage id={route.id} /> : null}
                {route.page === 'ledger' ? (
                  <Suspense fallback={<Spinner label="Loading the ledger…" />}>
                    <LedgerPage currency={route.currency} account={route.account} />
                  </Suspense>
                ) : null}
              </>
            )}
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
