import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { ErrorBoundary, NotAvailableToRole, Spinner } from './components/ui';
import { SignIn } from './features/auth/SignIn';
import { BookingDetail } from './features/bookings/BookingDetail';
import { CreateBooking } from './features/bookings/CreateBooking';
import { QUEUES, QueuePage } from './features/bookings/QueuePage';
import { AuditPage } from './features/audit/AuditPage';
import { NotAvailable } from './features/finance/common';
import { PayoutRunPage } from './features/finance/PayoutRunPage';
import { PayoutsPage } from './features/finance/PayoutsPage';
import { TeacherPayoutPage } from './features/finance/TeacherPayoutPage';
import { OperationsPage, PaymentsPage, RefundsPage } from './features/payments/PaymentsPages';
import { StudentPage, TeacherPage } from './features/people/PeoplePages';
import { SettingsPage } from './features/settings/SettingsPage';
import { TopSearch } from './features/search/TopSearch';
import { ShortcutsDialog } from './features/search/ShortcutsDialog';
import { AccountMenu } from './features/staff/AccountMenu';
import { RequiredPasswordChange } from './features/staff/ChangePassword';
import { StaffPage } from './features/staff/StaffPage';
import { FINANCE_PAGES, PAGE_ACCESS, useRoute } from './route';
import { describeError } from './errors';
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
  const { signOut } = useSession();
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
            // A payment can save the student's card: the take-payment dialog lists it.
            invalidate(trpc.payments.listMethods.pathKey());
            invalidate(trpc.payments.get.pathKey());
            invalidate(trpc.payments.list.pathKey());
            invalidate(trpc.refunds.list.pathKey());
            invalidate(trpc.operations.mismatches.pathKey());
            invalidate(trpc.reports.revenue.pathKey());
            // The people pages and the audit log show bookings, payments and refunds too.
            invalidate(trpc.people.student.pathKey());
            invalidate(trpc.people.teacher.pathKey());
            invalidate(trpc.people.bookings.pathKey());
            invalidate(trpc.audit.pathKey());
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
            invalidate(trpc.people.teacher.pathKey());
            invalidate(trpc.payouts.preview.pathKey());
            break;
          default:
            // A resync (too much happened while disconnected) or an event this console does not know.
            void queryClient.invalidateQueries();
        }
      },
      // The server ends the stream when this session ends (signed out elsewhere, disabled, expired).
      onError: (error) => {
        const { code, message } = describeError(error);
        if (code === 'UNAUTHENTICATED') signOut(message);
      },
    }),
  );
  useEffect(() => onStatus(subscription.status), [subscription.status, onStatus]);
  return null;
}

export function App() {
  const { session, signOut, can, restoring } = useSession();
  const [theme, toggleTheme] = useTheme();
  const route = useRoute();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [liveStatus, setLiveStatus] = useState('idle');
  const searchRef = useRef<HTMLInputElement>(null);
  const [shortcuts, setShortcuts] = useState(false);
  // R34: whether this account must choose its own password first (the server refuses everything else until then).
  const me = useQuery({ ...trpc.auth.me.queryOptions(), enabled: session !== null });
  const known = session !== null && me.data?.id === session.staff.id;
  const mustChangePassword = known && me.data?.mustChangePassword === true;
  const counts = useQuery({
    ...trpc.bookings.counts.queryOptions(),
    enabled: known && !mustChangePassword,
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
      } else if (event.key === '?' && !typing) {
        event.preventDefault();
        setShortcuts(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!session) return restoring ? <Spinner label="Opening your session…" /> : <SignIn />;

  const signOutNow = () => {
    void client.auth.logout.mutate().catch(() => undefined);
    signOut();
  };
  if (!known && !me.isError) return <Spinner label="Opening your session…" />;
  if (mustChangePassword) return <RequiredPasswordChange name={session.staff.name} onSignOut={signOutNow} />;

  return (
    <div className="layout">
      <LiveUpdates onStatus={setLiveStatus} />
      {shortcuts ? <ShortcutsDialog onClose={() => setShortcuts(false)} /> : null}
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
        {can('bookings.read') ? (
          <a href="#/audit" className={route.page === 'audit' ? 'nav-link active' : 'nav-link'}>
            Audit log
          </a>
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
        {can('staff.manage') ? (
          <a href="#/staff" className={route.page === 'staff' ? 'nav-link active' : 'nav-link'}>
            Staff
          </a>
        ) : null}
        {can('settings.read') ? (
          <a href="#/settings" className={route.page === 'settings' ? 'nav-link active' : 'nav-link'}>
            Settings
          </a>
        ) : null}
      </nav>
      <div className="main">
        <header className="topbar">
          <TopSearch
            current={route.page === 'queue' ? (route.search ?? '') : ''}
            address={window.location.hash}
            inputRef={searchRef}
          />
          <span className={`live live-${liveStatus}`} title="Live updates" data-testid="live-status">
            {liveStatus === 'pending' ? '● live' : liveStatus === 'connecting' ? '○ connecting' : `○ ${liveStatus}`}
          </span>
          <button type="button" className="button ghost" onClick={toggleTheme} aria-label="Toggle theme">
            {theme === 'dark' ? 'Light' : 'Dark'}
          </button>
          <span className="who" data-testid="who">
            {session.staff.name} · {session.staff.role}
          </span>
          <AccountMenu />
          <button type="button" className="button ghost" onClick={signOutNow}>
            Sign out
          </button>
        </header>
        <main className="content">
          <ErrorBoundary resetKey={window.location.hash}>
            {!can(PAGE_ACCESS[route.page].permission) ? (
              <NotAvailableToRole page={PAGE_ACCESS[route.page].name} role={session.staff.role} />
            ) : (
              <>
                {route.page === 'queue' ? <QueuePage queue={route.queue} search={route.search ?? ''} /> : null}
                {route.page === 'booking' ? <BookingDetail id={route.id} /> : null}
                {route.page === 'new' ? <CreateBooking /> : null}
                {route.page === 'revenue' ? (
                  <Suspense fallback={<Spinner label="Loading charts…" />}>
                    <RevenuePage />
                  </Suspense>
                ) : null}
                {route.page === 'settings' ? <SettingsPage /> : null}
                {route.page === 'staff' ? <StaffPage /> : null}
                {route.page === 'payments' ? <PaymentsPage /> : null}
                {route.page === 'refunds' ? <RefundsPage /> : null}
                {route.page === 'operations' ? <OperationsPage /> : null}
                {route.page === 'student' ? <StudentPage id={route.id} /> : null}
                {route.page === 'teacher' ? <TeacherPage id={route.id} /> : null}
                {route.page === 'audit' ? <AuditPage filters={route.filters} /> : null}
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
              </>
            )}
          </ErrorBoundary>
        </main>
      </div>
    </div>
  );
}
