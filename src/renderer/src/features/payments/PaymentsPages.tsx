import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { EmptyState, ErrorState, InlineError, NoteDialog, Spinner, StatusBadge } from '../../components/ui';
import { formatDateTime, formatMoney } from '../../format';
import { useSession } from '../../session';
import { useTRPC } from '../../trpc';
import { StudentLink, TeacherLink } from '../people/links';
import { RefundApprovals, RefundMoneyCells, RefundMoneyHeads, RefundPeople } from './RefundContext';
import { RefundProcessButton, RefundStatusCell } from './RefundStatus';

const PAYMENT_FILTERS = [
  { id: 'PENDING', label: 'Pending' },
  { id: 'REQUIRES_ACTION', label: 'Requires action' },
  { id: 'FAILED', label: 'Failed' },
  { id: 'PAID', label: 'Paid' },
  { id: 'PARTIALLY_REFUNDED', label: 'Partly refunded' },
  { id: 'REFUNDED', label: 'Refunded' },
] as const;

const REFUND_FILTERS = [
  { id: 'OPEN', label: 'Open' },
  { id: 'PENDING', label: 'Pending at Stripe' },
  { id: 'SUCCEEDED', label: 'Refunded' },
  { id: 'FAILED', label: 'Failed' },
  { id: 'REJECTED', label: 'Rejected' },
  { id: 'ALL', label: 'All' },
] as const;

/** A row of filter tabs; the chosen one is highlighted. */
function Tabs<T extends string>({
  options,
  value,
  onChange,
}: {
  options: readonly { id: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
}) {
  return (
    <div className="filters" role="tablist">
      {options.map((option) => (
        <button
          key={option.id}
          type="button"
          role="tab"
          aria-selected={value === option.id}
          className={value === option.id ? 'button primary' : 'button'}
          onClick={() => onChange(option.id)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}

/** Waits for typing to pause, so the server is asked once per pause rather than once per key. */
function useSettled(value: string, ms = 250): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function PaymentsPage() {
  const trpc = useTRPC();
  const [status, setStatus] = useState<(typeof PAYMENT_FILTERS)[number]['id']>('PENDING');
  const [search, setSearch] = useState('');
  // The server searches every payment (names, emails, ids, pi_ ids), not only the pages loaded so far.
  const wanted = useSettled(search.trim());
  // Pages of 50, newest first, as the server pages them (cursor = the last payment's id).
  const list = useInfiniteQuery(
    trpc.payments.list.infiniteQueryOptions(
      { status, limit: 50, ...(wanted ? { search: wanted } : {}) },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: keepPreviousData },
    ),
  );
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-label="Payments">
      <div className="page-head">
        <h1>Payments</h1>
        <div className="filters">
          <input
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder="Search: student, teacher, email, #payment or booking id, pi_…"
            aria-label="Search payments"
          />
          <Tabs options={PAYMENT_FILTERS} value={status} onChange={setStatus} />
        </div>
      </div>
      {list.isPending ? (
        <Spinner />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState>{wanted ? 'No payment matches.' : 'No payments here.'}</EmptyState>
      ) : (
        // The previous results stay on screen while a new search loads, marked busy.
        <table className="data card" data-testid="payments-table" aria-busy={list.isPlaceholderData}>
          <thead>
            <tr>
              <th>Payment</th>
              <th>Booking</th>
              <th>Student</th>
              <th>Teacher</th>
              <th className="num">Amount</th>
              <th>Status</th>
              <th>Stripe</th>
              <th>Last error</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {items.map((payment) => (
              <tr key={payment.id}>
                <td>#{payment.id}</td>
                <td>
                  <a href={`#/bookings/${payment.bookingId}`}>#{payment.bookingId}</a>
                </td>
                <td>{payment.student ? <StudentLink id={payment.student.id} name={payment.student.name} /> : '—'}</td>
                <td>{payment.teacher ? <TeacherLink id={payment.teacher.id} name={payment.teacher.name} /> : '—'}</td>
                <td className="num">{formatMoney(payment.amountMinor, payment.currency)}</td>
                <td>
                  <StatusBadge value={payment.status} kind="payment" />
                </td>
                <td>
                  {payment.stripeStatus === 'requires_action'
                    ? 'waiting for the student to authenticate'
                    : (payment.stripeStatus ?? '—')}
                </td>
                <td>{payment.lastError ?? ''}</td>
                <td>{formatDateTime(payment.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.data ? (
        <p className="muted" data-testid="payments-paging">
          {items.length} {wanted ? 'matching, ' : ''}shown{' '}
          {list.hasNextPage ? (
            <button
              type="button"
              className="button"
              onClick={() => void list.fetchNextPage()}
              disabled={list.isFetchingNextPage}
            >
              {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          ) : (
            '· all shown'
          )}
        </p>
      ) : null}
    </section>
  );
}

export function RefundsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can, session } = useSession();
  const [status, setStatus] = useState<(typeof REFUND_FILTERS)[number]['id']>('OPEN');
  const list = useQuery(trpc.refunds.list.queryOptions(status === 'ALL' ? { limit: 200 } : { status, limit: 200 }));
  const refresh = () => void queryClient.invalidateQueries();
  // After a first approval above the four-eyes threshold, the approver is told it is not done yet.
  const [approved, setApproved] = useState<string | null>(null);
  const approve = useMutation(
    trpc.refunds.approve.mutationOptions({
      onMutate: () => setApproved(null),
      onSuccess: (request) =>
        setApproved(
          request.status === 'AWAITING_SECOND_APPROVAL'
            ? `You approved refund request #${request.id}. It is above the four-eyes threshold, so it now awaits a second approver before anything is refunded.`
            : `You approved refund request #${request.id}; it is being sent to Stripe.`,
        ),
      onSettled: refresh,
    }),
  );
  const reject = useMutation(
    trpc.refunds.reject.mutationOptions({
      onSuccess: () => {
        setRejecting(null);
        refresh();
      },
    }),
  );
  const [rejecting, setRejecting] = useState<number | null>(null);
  return (
    <section aria-label="Refund requests">
      <div className="page-head">
        <h1>Refund requests</h1>
        <Tabs options={REFUND_FILTERS} value={status} onChange={setStatus} />
      </div>
      <InlineError error={approve.error} />
      {approved ? (
        <p className="notice" role="status" data-testid="approve-outcome">
          {approved}
        </p>
      ) : null}
      {list.isPending ? (
        <Spinner />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <EmptyState>No refund requests here.</EmptyState>
      ) : (
        <table className="data card" data-testid="refunds-table">
          <thead>
            <tr>
              <th>Request</th>
              <th>Booking</th>
              <th>Student and teacher</th>
              <th className="num">Amount</th>
              <th>Reason</th>
              <th>Status</th>
              <th>Asked and approved</th>
              <RefundMoneyHeads />
              <th>Filed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((request) => {
              const mine = request.requestedById === session?.staff.id;
              const decidable =
                ['REQUESTED', 'AWAITING_SECOND_APPROVAL'].includes(request.status) &&
                can('refunds.approve') &&
                !mine &&
                request.firstApproverId !== session?.staff.id;
              return (
                <tr key={request.id} data-testid={`refund-request-${request.id}`}>
                  <td>#{request.id}</td>
                  <td>
                    <a href={`#/bookings/${request.bookingId}`}>#{request.bookingId}</a>
                  </td>
                  <td>
                    <RefundPeople refund={request} />
                  </td>
                  <td className="num">{formatMoney(request.amountMinor, request.currency)}</td>
                  <td>{request.reason}</td>
                  <td>
                    <RefundStatusCell refund={request} />
                  </td>
                  <td>
                    <RefundApprovals refund={request} />
                  </td>
                  <RefundMoneyCells refund={request} />
                  <td>{formatDateTime(request.createdAt)}</td>
                  <td>
                    <div className="actions">
                      {decidable ? (
                        <>
                          <button
                            type="button"
                            className="button primary"
                            onClick={() => approve.mutate({ id: request.id })}
                            disabled={approve.isPending}
                          >
                            Approve
                          </button>
                          <button type="button" className="button danger" onClick={() => setRejecting(request.id)}>
                            Reject
                          </button>
                        </>
                      ) : null}
                      {mine && ['REQUESTED', 'AWAITING_SECOND_APPROVAL'].includes(request.status) ? (
                        <span className="muted">another staff member decides</span>
                      ) : null}
                      <RefundProcessButton refund={request} />
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {rejecting !== null ? (
        <NoteDialog
          title={`Reject refund request #${rejecting}`}
          label="Note for the requester (required)"
          submitLabel="Reject"
          danger
          error={reject.error}
          onSubmit={(note) => reject.mutate({ id: rejecting, note })}
          onClose={() => setRejecting(null)}
        />
      ) : null}
    </section>
  );
}

export function OperationsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useSession();
  const mismatches = useQuery(trpc.operations.mismatches.queryOptions({ status: 'OPEN' }));
  const deliveries = useQuery(trpc.operations.failedDeliveries.queryOptions());
  const refresh = () => void queryClient.invalidateQueries();
  const reconcile = useMutation(trpc.operations.reconcile.mutationOptions({ onSettled: refresh }));
  const retry = useMutation(trpc.operations.retryDelivery.mutationOptions({ onSettled: refresh }));
  const resolve = useMutation(
    trpc.operations.resolveMismatch.mutationOptions({
      onSuccess: () => {
        setResolving(null);
        refresh();
      },
    }),
  );
  const [resolving, setResolving] = useState<number | null>(null);
  return (
    <section aria-label="Operations">
      <div className="page-head">
        <h1>Reconciliation and deliveries</h1>
        {can('operations.manage') ? (
          <button type="button" className="button" onClick={() => reconcile.mutate()} disabled={reconcile.isPending}>
            {reconcile.isPending ? 'Comparing with Stripe…' : 'Reconcile with Stripe now'}
          </button>
        ) : null}
      </div>
      {reconcile.data ? (
        <p className="notice">
          Checked {reconcile.data.checked} payment(s): {reconcile.data.settled} settled, {reconcile.data.mismatches} new
          mismatch(es)
          {reconcile.data.errors.length ? `, ${reconcile.data.errors.length} could not be checked` : ''}.
        </p>
      ) : null}
      <InlineError error={reconcile.error ?? retry.error} />
      <div className="card">
        <h2>Mismatches with Stripe</h2>
        {mismatches.isPending ? (
          <Spinner />
        ) : !mismatches.data || mismatches.data.length === 0 ? (
          <p className="muted">Everything matches Stripe.</p>
        ) : (
          <table className="data" data-testid="mismatches">
            <thead>
              <tr>
                <th>About</th>
                <th>Kind</th>
                <th>Here</th>
                <th>Stripe</th>
                <th>Detail</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {mismatches.data.map((mismatch) => (
                <tr key={mismatch.id}>
                  <td>
                    {mismatch.bookingId !== null ? (
                      <a href={`#/bookings/${mismatch.bookingId}`}>Booking #{mismatch.bookingId}</a>
                    ) : mismatch.payoutRunId !== null ? (
                      <a href={`#/payouts/runs/${mismatch.payoutRunId}`}>
                        Payout run #{mismatch.payoutRunId}
                        {mismatch.payoutLineId !== null ? `, line #${mismatch.payoutLineId}` : ''}
                      </a>
                    ) : null}
                  </td>
                  <td>{mismatch.kind.replaceAll('_', ' ')}</td>
                  <td>{mismatch.localState}</td>
                  <td>{mismatch.stripeState}</td>
                  <td>{mismatch.detail}</td>
                  <td>
                    {can('operations.manage') ? (
                      <button type="button" className="button" onClick={() => setResolving(mismatch.id)}>
                        Resolve
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="card">
        <h2>Failed or retrying deliveries</h2>
        {deliveries.isPending ? (
          <Spinner />
        ) : !deliveries.data || deliveries.data.length === 0 ? (
          <p className="muted">Every meeting and email went out.</p>
        ) : (
          <table className="data" data-testid="deliveries">
            <thead>
              <tr>
                <th>What</th>
                <th>Booking</th>
                <th>Attempts</th>
                <th>Last error</th>
                <th>Next try</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {deliveries.data.map((row) => (
                <tr key={row.id}>
                  <td>
                    {row.kind === 'email'
                      ? `email ${String(row.payload['template'])} to ${String(row.payload['to'])}`
                      : row.kind}
                  </td>
                  <td>{row.bookingId ? <a href={`#/bookings/${row.bookingId}`}>#{row.bookingId}</a> : '—'}</td>
                  <td>
                    {row.attempts} {row.status === 'FAILED' ? '(gave up)' : ''}
                  </td>
                  <td>{row.lastError ?? ''}</td>
                  <td>{row.status === 'FAILED' ? '—' : formatDateTime(row.nextAttemptAt)}</td>
                  <td>
                    {can('operations.manage') ? (
                      <button type="button" className="button" onClick={() => retry.mutate({ id: row.id })}>
                        Retry now
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {resolving !== null ? (
        <NoteDialog
          title="Resolve mismatch"
          prompt="Say what was done (for example: refunded the student at Stripe, or confirmed the dashboard refund with them)."
          label="Resolution (required)"
          submitLabel="Resolve"
          error={resolve.error}
          onSubmit={(resolution) => resolve.mutate({ id: resolving, resolution })}
          onClose={() => setResolving(null)}
        />
      ) : null}
    </section>
  );
}
