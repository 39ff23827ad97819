import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog, ErrorState, InlineError, Spinner, StatusBadge } from '../../components/ui';
import { formatDateTime, formatMoney, formatRelative, formatTime, viewerTimeZone } from '../../format';
import { useTRPC } from '../../trpc';
import { PaymentPanel } from '../payments/PaymentPanel';

type ActionName = 'confirm' | 'decline' | 'cancel' | 'complete' | 'cancel_paid';

const ACTIONS: Record<ActionName, { label: string; needsReason: boolean; danger: boolean; explain: string }> = {
  confirm: {
    label: 'Confirm for the teacher',
    needsReason: false,
    danger: false,
    explain: 'Confirm this booking on the teacher’s behalf (operator override). The student is asked to pay.',
  },
  decline: {
    label: 'Decline',
    needsReason: true,
    danger: true,
    explain: 'Decline this request. The student is told why.',
  },
  cancel: {
    label: 'Cancel booking',
    needsReason: true,
    danger: true,
    explain: 'Cancel this unpaid booking. Any open payment is cancelled at Stripe; both people are told.',
  },
  complete: {
    label: 'Mark completed',
    needsReason: false,
    danger: false,
    explain: 'Record that the session took place.',
  },
  cancel_paid: {
    label: 'Cancel with full refund',
    needsReason: true,
    danger: true,
    explain:
      'Refund the whole payment at Stripe, then cancel the booking, delete the Zoom meeting and tell both people (R18).',
  },
};

export function BookingDetail({ id }: { id: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const detail = useQuery(trpc.bookings.get.queryOptions({ id }));
  const [pending, setPending] = useState<ActionName | null>(null);
  // The version the user saw when they chose the action: if someone acts first, the server says CONFLICT.
  const [seenVersion, setSeenVersion] = useState<number | null>(null);
  const [reason, setReason] = useState('');
  const onDone = () => {
    setPending(null);
    setReason('');
    void queryClient.invalidateQueries({ queryKey: trpc.bookings.pathKey() });
  };
  const confirm = useMutation(trpc.bookings.confirm.mutationOptions({ onSuccess: onDone }));
  const decline = useMutation(trpc.bookings.decline.mutationOptions({ onSuccess: onDone }));
  const cancel = useMutation(trpc.bookings.cancel.mutationOptions({ onSuccess: onDone }));
  const complete = useMutation(trpc.bookings.complete.mutationOptions({ onSuccess: onDone }));
  const cancelPaid = useMutation(trpc.operations.cancelPaid.mutationOptions({ onSuccess: onDone }));
  const mutations = { confirm, decline, cancel, complete, cancel_paid: cancelPaid };

  if (detail.isPending) return <Spinner label={`Loading booking ${id}…`} />;
  if (detail.isError) return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  const booking = detail.data;
  const actions = booking.availableActions.filter((action): action is ActionName => action in ACTIONS);
  const active = pending ? mutations[pending] : null;

  const run = () => {
    if (!pending) return;
    const base = { id: booking.id, expectedVersion: seenVersion ?? booking.version };
    if (pending === 'decline') decline.mutate({ ...base, reason });
    else if (pending === 'cancel') cancel.mutate({ ...base, reason });
    else if (pending === 'cancel_paid') cancelPaid.mutate({ ...base, reason });
    else if (pending === 'confirm') confirm.mutate(base);
    else complete.mutate(base);
  };

  return (
    <article className="detail" aria-label={`Booking ${booking.id}`}>
      <div className="page-head">
        <h1>
          Booking #{booking.id} <StatusBadge value={booking.status} /> <StatusBadge value={booking.paymentStatus} />
        </h1>
        <div className="actions" aria-label="Actions">
          {actions.length === 0 ? <span className="muted">No action is open to you for this booking.</span> : null}
          {actions.map((action) => (
            <button
              key={action}
              type="button"
              className={ACTIONS[action].danger ? 'button danger' : 'button primary'}
              onClick={() => {
                mutations[action].reset();
                setSeenVersion(booking.version);
                setPending(action);
              }}
            >
              {ACTIONS[action].label}
            </button>
          ))}
        </div>
      </div>
      <p className="next-step" data-testid="next-step">
        <strong>Next step:</strong> {booking.nextStep.text}
        {booking.nextStep.deadline ? (
          <>
            {' '}
            Deadline: {formatDateTime(booking.nextStep.deadline)} ({formatRelative(booking.nextStep.deadline)}).
          </>
        ) : null}
      </p>
      {booking.cancelReason ? (
        <p className="notice">
          <strong>Cancellation reason:</strong> {booking.cancelReason}
        </p>
      ) : null}
      <div className="cards">
        <section className="card">
          <h2>People</h2>
          <dl>
            <dt>Student</dt>
            <dd>
              {booking.student.name} · <span className="muted">{booking.student.email}</span>
            </dd>
            <dt>Teacher</dt>
            <dd>
              {booking.teacher.name} · <span className="muted">{booking.teacher.email}</span>
            </dd>
          </dl>
        </section>
        <section className="card">
          <h2>Session</h2>
          <dl>
            <dt>Gig</dt>
            <dd>
              {booking.gig.title} ({booking.gig.language})
            </dd>
            <dt>Your time ({viewerTimeZone})</dt>
            <dd data-testid="time-viewer">
              {formatDateTime(booking.startsAt)} – {formatTime(booking.endsAt)} · {booking.minutes} min
            </dd>
            <dt>Teacher’s time ({booking.teacher.timezone})</dt>
            <dd data-testid="time-teacher">
              {formatDateTime(booking.startsAt, booking.teacher.timezone)} –{' '}
              {formatTime(booking.endsAt, booking.teacher.timezone)}
            </dd>
            <dt>Student’s time ({booking.student.timezone})</dt>
            <dd>{formatDateTime(booking.startsAt, booking.student.timezone)}</dd>
            {booking.notes ? (
              <>
                <dt>Notes</dt>
                <dd>{booking.notes}</dd>
              </>
            ) : null}
          </dl>
        </section>
        <section className="card" aria-label="Price">
          <h2>Price</h2>
          <table className="quote">
            <tbody>
              <tr>
                <th>
                  Base ({formatMoney(booking.hourlyRateMinor, booking.currency)}/h × {booking.minutes} min)
                </th>
                <td className="num">{formatMoney(booking.baseMinor, booking.currency)}</td>
              </tr>
              <tr>
                <th>
                  Platform fee ({booking.feeRateBps / 100}%, min{' '}
                  {formatMoney(booking.minimumFeeMinor, booking.currency)})
                </th>
                <td className="num">{formatMoney(booking.feeMinor, booking.currency)}</td>
              </tr>
              <tr className="total">
                <th>Student pays</th>
                <td className="num" data-testid="total">
                  {formatMoney(booking.totalMinor, booking.currency)}
                </td>
              </tr>
              <tr>
                <th>Teacher share</th>
                <td className="num">{formatMoney(booking.teacherMinor, booking.currency)}</td>
              </tr>
              <tr>
                <th>Platform share</th>
                <td className="num">{formatMoney(booking.platformMinor, booking.currency)}</td>
              </tr>
            </tbody>
          </table>
        </section>
      </div>
      <PaymentPanel
        bookingId={booking.id}
        studentId={booking.student.id}
        status={booking.status}
        paymentStatus={booking.paymentStatus}
        currency={booking.currency}
      />
      <section className="card" aria-label="Meeting">
        <h2>Zoom meeting</h2>
        {booking.meeting ? (
          <dl data-testid="meeting">
            <dt>Join link</dt>
            <dd>{booking.meeting.deletedAt ? <s>{booking.meeting.joinUrl}</s> : booking.meeting.joinUrl}</dd>
            <dt>Meeting id</dt>
            <dd className="code">{booking.meeting.zoomMeetingId}</dd>
            <dt>Passcode</dt>
            <dd className="code">{booking.meeting.password}</dd>
            {booking.meeting.deletedAt ? (
              <>
                <dt>Deleted</dt>
                <dd>{formatDateTime(booking.meeting.deletedAt)}</dd>
              </>
            ) : null}
          </dl>
        ) : (
          <p className="muted">
            {booking.paymentStatus === 'PAID' ? 'Being created…' : 'Created when the booking is paid.'}
          </p>
        )}
      </section>
      <section className="card" aria-label="Emails sent">
        <h2>Emails sent</h2>
        {booking.emails.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <ul className="plain" data-testid="emails">
            {booking.emails.map((email) => (
              <li key={email.outboxKey}>
                {formatDateTime(email.sentAt)} · to the {email.recipientRole} ({email.recipient}): “{email.subject}”
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h2>Timeline</h2>
        <ol className="timeline" data-testid="timeline">
          {booking.transitions.map((transition) => (
            <li key={transition.id}>
              <time>{formatDateTime(transition.at)}</time>
              <span className="what">
                <strong>{transition.action.replaceAll('_', ' ')}</strong> {transition.fromStatus ?? '—'} →{' '}
                {transition.toStatus}
                {transition.fromPaymentStatus !== transition.toPaymentStatus
                  ? ` (payment ${transition.fromPaymentStatus ?? '—'} → ${transition.toPaymentStatus})`
                  : ''}
              </span>
              <span className="who">
                {transition.actorRole}
                {transition.actorId !== null ? ` #${transition.actorId}` : ''}
              </span>
              {transition.reason ? <span className="reason">“{transition.reason}”</span> : null}
            </li>
          ))}
        </ol>
      </section>
      <section className="card">
        <h2>Notifications and effects</h2>
        {booking.notifications.length === 0 ? (
          <p className="muted">None queued.</p>
        ) : (
          <ul className="plain">
            {booking.notifications.map((notification) => (
              <li key={notification.key}>
                {notification.kind === 'email'
                  ? `Email “${String(notification.payload['template'])}” to the ${String(notification.payload['to'])}`
                  : notification.kind}{' '}
                · <span className="muted">{notification.status.toLowerCase()}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {pending && active ? (
        <Dialog title={ACTIONS[pending].label} onClose={() => setPending(null)}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              run();
            }}
          >
            <p>{ACTIONS[pending].explain}</p>
            {ACTIONS[pending].needsReason ? (
              <label>
                Reason (required)
                <textarea value={reason} onChange={(event) => setReason(event.target.value)} rows={3} maxLength={500} />
              </label>
            ) : null}
            <InlineError error={active.error} />
            <div className="dialog-actions">
              <button type="button" className="button ghost" onClick={() => setPending(null)}>
                Back
              </button>
              <button
                type="submit"
                className={ACTIONS[pending].danger ? 'button danger' : 'button primary'}
                disabled={active.isPending}
              >
                {active.isPending ? 'Working…' : ACTIONS[pending].label}
              </button>
            </div>
          </form>
        </Dialog>
      ) : null}
    </article>
  );
}
