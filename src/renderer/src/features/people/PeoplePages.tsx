import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { EmptyState, ErrorState, InlineError, Spinner, StatusBadge } from '../../components/ui';
import { formatDateTime, formatMoney, formatRelative } from '../../format';
import { auditPath } from '../../route';
import { useSession } from '../../session';
import { useTRPC, type RouterOutputs } from '../../trpc';
import { PAYOUT_STATUS_LABEL } from '../finance/common';
import { RefundApprovals, RefundMoneyCells, RefundMoneyHeads } from '../payments/RefundContext';
import { RefundStatusCell } from '../payments/RefundStatus';
import { StudentLink, TeacherLink } from './links';

type StudentPageData = RouterOutputs['people']['student'];
type TeacherPageData = RouterOutputs['people']['teacher'];
type PersonBooking = StudentPageData['bookings'][number];

/** The person's local time now, so support knows whether it is a good moment to call. */
function LocalTime({ timezone }: { timezone: string }) {
  return (
    <span className="muted" data-testid="local-time">
      {' '}
      (now {formatDateTime(new Date(), timezone)} there)
    </span>
  );
}

function Contact({ person, kind }: { person: StudentPageData | TeacherPageData; kind: 'student' | 'teacher' }) {
  return (
    <section className="card" aria-label="Contact">
      <h2>Contact</h2>
      <dl>
        <dt>Email</dt>
        <dd data-testid="person-email">
          <a href={`mailto:${person.email}`}>{person.email}</a>
        </dd>
        <dt>Time zone</dt>
        <dd data-testid="person-timezone">
          {person.timezone}
          <LocalTime timezone={person.timezone} />
        </dd>
        <dt>Since</dt>
        <dd>{formatDateTime(person.createdAt)}</dd>
        <dt>History</dt>
        <dd>
          <a href={`#${auditPath(kind === 'student' ? { student: person.id } : { teacher: person.id })}`}>
            Audit log of this {kind}
          </a>
        </dd>
      </dl>
    </section>
  );
}

/**
 * A person's bookings with the queue table's columns, newest first; each open one says what happens
 * next in the booking page's words. The first page comes with the person; "Show more" pages on with
 * the same keyset cursor the queues use.
 */
function PersonBookings({
  first,
  firstCursor,
  filter,
}: {
  first: readonly PersonBooking[];
  firstCursor: string | null;
  filter: { studentId: number } | { teacherId: number };
}) {
  const trpc = useTRPC();
  const [more, setMore] = useState(false);
  const next = useInfiniteQuery({
    ...trpc.people.bookings.infiniteQueryOptions(
      { ...filter, limit: 50 },
      { initialCursor: firstCursor, getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
    enabled: more && firstCursor !== null,
  });
  const rows = [...first, ...(more ? (next.data?.pages.flatMap((page) => page.items) ?? []) : [])];
  const hasMore = more ? next.hasNextPage : firstCursor !== null;
  return (
    <section className="card" aria-label="Bookings">
      <div className="card-head">
        <h2>Bookings</h2>
        <span className="muted" data-testid="bookings-shown">
          {rows.length} shown, newest first
        </span>
      </div>
      {rows.length === 0 ? (
        <p className="muted">No bookings yet.</p>
      ) : (
        <table className="data" data-testid="person-bookings">
          <thead>
            <tr>
              <th>Booking</th>
              <th>Starts</th>
              <th>Student</th>
              <th>Teacher</th>
              <th>Language</th>
              <th>Length</th>
              <th className="num">Total</th>
              <th>Status</th>
              <th>Payment</th>
              <th>Requested</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((booking) => (
              <Fragment key={booking.id}>
                <tr data-testid={`person-booking-${booking.id}`}>
                  <td>
                    <a href={`#/bookings/${booking.id}`}>#{booking.id}</a>
                  </td>
                  <td>{formatDateTime(booking.startsAt)}</td>
                  <td>
                    <StudentLink id={booking.studentId} name={booking.studentName} />
                  </td>
                  <td>
                    <TeacherLink id={booking.teacherId} name={booking.teacherName} />
                  </td>
                  <td>{booking.language}</td>
                  <td>{booking.minutes} min</td>
                  <td className="num">{formatMoney(booking.totalMinor, booking.currency)}</td>
                  <td>
                    <StatusBadge value={booking.status} paymentStatus={booking.paymentStatus} />
                  </td>
                  <td>
                    <StatusBadge value={booking.paymentStatus} kind="payment" />
                  </td>
                  <td>{formatRelative(booking.createdAt)}</td>
                </tr>
                {booking.nextStep ? (
                  <tr className="next-step-row">
                    <td colSpan={10} className="next-step" data-testid="booking-next-step">
                      <strong>Next step:</strong> {booking.nextStep.text}
                      {booking.nextStep.deadline ? <> Deadline: {formatDateTime(booking.nextStep.deadline)}.</> : null}
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      <InlineError error={next.error} />
      {hasMore ? (
        <button
          type="button"
          className="button"
          disabled={next.isFetching}
          onClick={() => (more ? void next.fetchNextPage() : setMore(true))}
        >
          {next.isFetching ? 'Loading…' : 'Show more bookings'}
        </button>
      ) : null}
    </section>
  );
}

export function StudentPage({ id }: { id: number }) {
  const trpc = useTRPC();
  const page = useQuery(trpc.people.student.queryOptions({ id }));
  if (page.isPending) return <Spinner label={`Loading student ${id}…`} />;
  if (page.isError) return <ErrorState error={page.error} onRetry={() => void page.refetch()} />;
  const student = page.data;
  const open = student.refundRequests.filter((request) => request.approvals.awaiting !== null);
  return (
    <article className="detail" aria-label={`Student ${student.name}`}>
      <div className="page-head">
        <h1>
          {student.name} <span className="muted">· student #{student.id}</span>
        </h1>
      </div>
      {open.length > 0 ? (
        <p className="notice" data-testid="open-refunds-notice">
          {open.length} refund request{open.length === 1 ? '' : 's'} awaiting approval.
        </p>
      ) : null}
      <div className="cards">
        <Contact person={student} kind="student" />
        <section className="card" aria-label="Saved cards">
          <h2>Saved cards</h2>
          {student.methods.length === 0 ? (
            <p className="muted">No saved card.</p>
          ) : (
            <ul className="plain" data-testid="student-cards">
              {student.methods.map((method) => (
                <li key={`${method.brand}-${method.last4}-${method.expMonth}-${method.expYear}`}>
                  {method.brand} •••• {method.last4} · expires {String(method.expMonth).padStart(2, '0')}/
                  {method.expYear}
                  {method.isDefault ? <strong> · default</strong> : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <PersonBookings first={student.bookings} firstCursor={student.bookingsNextCursor} filter={{ studentId: id }} />
      <section className="card" aria-label="Payments">
        <h2>Payments</h2>
        {student.payments.length === 0 ? (
          <p className="muted">No payment yet.</p>
        ) : (
          <table className="data" data-testid="student-payments">
            <thead>
              <tr>
                <th>Payment</th>
                <th>Booking</th>
                <th className="num">Amount</th>
                <th className="num">Refunded</th>
                <th className="num">Reserved</th>
                <th>Status</th>
                <th>Card</th>
                <th>Paid</th>
              </tr>
            </thead>
            <tbody>
              {student.payments.map((payment) => (
                <tr key={payment.id}>
                  <td>#{payment.id}</td>
                  <td>
                    <a href={`#/bookings/${payment.bookingId}`}>#{payment.bookingId}</a>
                  </td>
                  <td className="num">{formatMoney(payment.amountMinor, payment.currency)}</td>
                  <td className="num">{formatMoney(payment.refundedMinor, payment.currency)}</td>
                  <td className="num">{formatMoney(payment.reservedMinor, payment.currency)}</td>
                  <td>
                    <StatusBadge value={payment.status} kind="payment" />
                  </td>
                  <td>{payment.card ? `${payment.card.brand} •••• ${payment.card.last4}` : '—'}</td>
                  <td>{payment.paidAt ? formatDateTime(payment.paidAt) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-label="Refund requests">
        <h2>Refund requests</h2>
        {student.refundRequests.length === 0 ? (
          <p className="muted">No refund requests.</p>
        ) : (
          <table className="data" data-testid="student-refunds">
            <thead>
              <tr>
                <th>Request</th>
                <th>Booking</th>
                <th className="num">Amount</th>
                <th>Status</th>
                <th>Approvals</th>
                <RefundMoneyHeads />
              </tr>
            </thead>
            <tbody>
              {student.refundRequests.map((request) => (
                <tr key={request.id} data-testid={`student-refund-${request.id}`}>
                  <td>#{request.id}</td>
                  <td>
                    <a href={`#/bookings/${request.bookingId}`}>#{request.bookingId}</a>
                  </td>
                  <td className="num">{formatMoney(request.amountMinor, request.currency)}</td>
                  <td>
                    <RefundStatusCell refund={request} />
                  </td>
                  <td>
                    <RefundApprovals refund={request} />
                  </td>
                  <RefundMoneyCells refund={request} />
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </article>
  );
}

export function TeacherPage({ id }: { id: number }) {
  const trpc = useTRPC();
  const { can } = useSession();
  const page = useQuery(trpc.people.teacher.queryOptions({ id }));
  if (page.isPending) return <Spinner label={`Loading teacher ${id}…`} />;
  if (page.isError) return <ErrorState error={page.error} onRetry={() => void page.refetch()} />;
  const teacher = page.data;
  return (
    <article className="detail" aria-label={`Teacher ${teacher.name}`}>
      <div className="page-head">
        <h1>
          {teacher.name} <span className="muted">· teacher #{teacher.id}</span>
        </h1>
      </div>
      <div className="cards">
        <Contact person={teacher} kind="teacher" />
        {/* Finance data (R31): the server sends it only to roles that read payouts. */}
        {teacher.payoutStatus !== undefined && can('payouts.read') ? (
          <section className="card" aria-label="Payouts">
            <h2>Payouts</h2>
            <dl>
              <dt>Status</dt>
              <dd>
                <span className={`badge badge-${teacher.payoutStatus}`} data-testid="teacher-payout-status">
                  {PAYOUT_STATUS_LABEL[teacher.payoutStatus]}
                </span>
              </dd>
              <dt>Stripe account</dt>
              <dd className="code">{teacher.stripeAccountId ?? '—'}</dd>
            </dl>
            <a href={`#/payouts/teachers/${teacher.id}`}>Payout page and statement →</a>
          </section>
        ) : null}
      </div>
      <section className="card" aria-label="Gigs">
        <h2>Gigs</h2>
        {teacher.gigs.length === 0 ? (
          <EmptyState>No gigs.</EmptyState>
        ) : (
          <table className="data" data-testid="teacher-gigs">
            <thead>
              <tr>
                <th>Gig</th>
                <th>Language</th>
                <th className="num">Hourly rate</th>
                <th>Offered</th>
              </tr>
            </thead>
            <tbody>
              {teacher.gigs.map((gig) => (
                <tr key={gig.id}>
                  <td>{gig.title}</td>
                  <td>{gig.language}</td>
                  <td className="num">{formatMoney(gig.hourlyRateMinor, gig.currency)}</td>
                  <td>{gig.active ? 'yes' : 'no longer'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <PersonBookings first={teacher.bookings} firstCursor={teacher.bookingsNextCursor} filter={{ teacherId: id }} />
    </article>
  );
}
