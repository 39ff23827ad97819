import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { ActionBar } from '../../components/ActionBar';
import { Dialog, ErrorState, InlineError, Spinner, StatusBadge } from '../../components/ui';
import { formatDateTime, formatMoney, formatRelative, formatTime, viewerTimeZone } from '../../format';
import { describeError } from '../../errors';
import { useTRPC, type RouterOutputs } from '../../trpc';
import { PaymentPanel, RequestRefundDialog, TakePaymentDialog } from '../payments/PaymentPanel';
import { RescheduleDialog } from './RescheduleDialog';
import { timelineOf } from './timeline';
import { StudentLink, TeacherLink } from '../people/links';

type Offer = RouterOutputs['bookings']['get']['actions'][number];
type ConsoleAction = Offer['action'];
type BookingActionName = Exclude<ConsoleAction, 'take_payment' | 'request_refund' | 'reschedule'>;

/** How each action looks in the bar; which actions appear, and whether they are open, is the server's answer. */
const TONE: Record<ConsoleAction, 'primary' | 'danger' | 'plain'> = {
  confirm: 'primary',
  decline: 'danger',
  cancel: 'danger',
  complete: 'primary',
  cancel_paid: 'danger',
  reschedule: 'plain',
  take_payment: 'primary',
  request_refund: 'plain',
};

const BOOKING_DIALOGS: Record<BookingActionName, { title: string; needsReason: boolean; explain: string }> = {
  confirm: {
    title: 'Confirm for the teacher',
    needsReason: false,
    explain: 'Confirm this booking on the teacher’s behalf (operator override). The student is asked to pay.',
  },
  decline: {
    title: 'Decline',
    needsReason: true,
    explain: 'Decline this request. The student is told why.',
  },
  cancel: {
    title: 'Cancel booking',
    needsReason: true,
    explain: 'Cancel this unpaid booking. Any open payment is cancelled at Stripe; both people are told.',
  },
  complete: {
    title: 'Mark completed',
    needsReason: false,
    explain: 'Record that the session took place.',
  },
  cancel_paid: {
    title: 'Cancel with full refund',
    needsReason: true,
    explain:
      'Cancel the booking now and refund the whole payment through Stripe: the payment stays Paid until Stripe says the refund succeeded (R18, R27). The Zoom meeting is deleted and both people are told.',
  },
};

const isBookingAction = (action: ConsoleAction): action is BookingActionName => action in BOOKING_DIALOGS;

/** The meeting's join link: a link that opens it, and a button that copies it for a chat or an email. */
function JoinLink({ url }: { url: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = () => {
    navigator.clipboard.writeText(url).then(
      () => setCopied('yes'),
      () => setCopied('failed'),
    );
  };
  return (
    <span className="join-link">
      <a href={url} target="_blank" rel="noopener noreferrer" data-testid="join-link">
        {url}
      </a>{' '}
      <button type="button" className="button ghost" onClick={copy} data-testid="copy-join-link">
        {copied === 'yes' ? 'Copied' : 'Copy link'}
      </button>
      {copied === 'failed' ? <span className="inline-error"> Could not copy; select the link instead.</span> : null}
    </span>
  );
}

export function BookingDetail({ id }: { id: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const detail = useQuery(trpc.bookings.get.queryOptions({ id }));
  const [pending, setPending] = useState<ConsoleAction | null>(null);
  // The version the user saw when they chose the action: if someone acts first, the server says CONFLICT.
  const [seenVersion, setSeenVersion] = useState<number | null>(null);
  const [reason, setReason] = useState('');
  const close = useCallback(() => setPending(null), []);
  const onDone = () => {
    setPending(null);
    setReason('');
    void queryClient.invalidateQueries({ queryKey: trpc.bookings.pathKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.payments.forBooking.queryKey({ bookingId: id }) });
    void queryClient.invalidateQueries({ queryKey: trpc.refunds.list.pathKey() });
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
  const bookingAction = pending && isBookingAction(pending) ? pending : null;
  const active = bookingAction ? mutations[bookingAction] : null;

  const refreshBooking = () => {
    if (bookingAction) mutations[bookingAction].reset();
    setPending(null);
    void detail.refetch();
    void queryClient.invalidateQueries({ queryKey: trpc.payments.forBooking.queryKey({ bookingId: id }) });
  };

  const choose = (action: ConsoleAction) => {
    if (isBookingAction(action)) mutations[action].reset();
    setReason('');
    setSeenVersion(booking.version);
    setPending(action);
  };

  const run = () => {
    if (!bookingAction) return;
    const base = { id: booking.id, expectedVersion: seenVersion ?? booking.version };
    if (bookingAction === 'decline') decline.mutate({ ...base, reason });
    else if (bookingAction === 'cancel') cancel.mutate({ ...base, reason });
    else if (bookingAction === 'cancel_paid') cancelPaid.mutate({ ...base, reason });
    else if (bookingAction === 'confirm') confirm.mutate(base);
    else complete.mutate(base);
  };

  return (
    <article className="detail" aria-label={`Booking ${booking.id}`}>
      <div className="page-head">
        <h1>
          Booking #{booking.id} <StatusBadge value={booking.status} paymentStatus={booking.paymentStatus} />{' '}
          <StatusBadge value={booking.paymentStatus} kind="payment" />
        </h1>
        <ActionBar
          offers={booking.actions}
          look={(offer) => ({ label: offer.label, tone: TONE[offer.action] })}
          nothingOpen="No action is open to you for this booking."
          onChoose={choose}
        />
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
      {booking.rescheduleRequest ? (
        <p className="notice" data-testid="reschedule-request">
          <strong>The {booking.rescheduleRequest.requestedBy.toLowerCase()} asked to move this booking</strong> to{' '}
          {formatDateTime(booking.rescheduleRequest.startsAt)} (“{booking.rescheduleRequest.reason}”); the other party
          has until {formatDateTime(booking.rescheduleRequest.expiresAt)} to answer.
        </p>
      ) : null}
      {booking.cancelReason ? (
        <p className="notice">
          <strong>Cancellation reason:</strong> {booking.cancelReason}
        </p>
      ) : null}
      <div className="cards">
        <section className="card" aria-label="People">
          <h2>People</h2>
          <dl>
            <dt>Student</dt>
            <dd>
              <StudentLink id={booking.student.id} name={booking.student.name} /> ·{' '}
              <span className="muted">{booking.student.email}</span>
            </dd>
            <dt>Teacher</dt>
            <dd>
              <TeacherLink id={booking.teacher.id} name={booking.teacher.name} /> ·{' '}
              <span className="muted">{booking.teacher.email}</span>
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
      />
      <section className="card" aria-label="Meeting">
        <h2>Zoom meeting</h2>
        {booking.meeting ? (
          <dl data-testid="meeting">
            <dt>Join link</dt>
            <dd data-testid="join-url">
              {booking.meetingJoinUrl ? (
                <JoinLink url={booking.meetingJoinUrl} />
              ) : (
                <>
                  <s>{booking.meeting.joinUrl}</s>{' '}
                  <span className="muted">
                    {booking.meeting.deletedAt ? '(deleted)' : '(no longer needed for this booking)'}
                  </span>
                </>
              )}
            </dd>
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
            {booking.status === 'CONFIRMED' && booking.paymentStatus === 'PAID'
              ? 'Being created…'
              : booking.status === 'PENDING' || booking.status === 'CONFIRMED'
                ? 'Created when the booking is paid.'
                : 'No meeting for this booking.'}
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
      <section className="card" aria-label="Timeline">
        <h2>Timeline</h2>
        <ol className="timeline" data-testid="timeline">
          {timelineOf(booking).map((entry) => (
            <li key={entry.key}>
              <time>{formatDateTime(entry.at)}</time>
              <span className="what">
                <strong className="who">{entry.who}</strong> {entry.what}
              </span>
              {entry.reason ? <span className="reason">Reason: “{entry.reason}”</span> : null}
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
      {bookingAction && active ? (
        <Dialog title={BOOKING_DIALOGS[bookingAction].title} onClose={close}>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              run();
            }}
          >
            <p>{BOOKING_DIALOGS[bookingAction].explain}</p>
            {BOOKING_DIALOGS[bookingAction].needsReason ? (
              <label>
                Reason (required)
                <textarea value={reason} onChange={(event) => setReason(event.target.value)} rows={3} maxLength={500} />
              </label>
            ) : null}
            <InlineError error={active.error} />
            {describeError(active.error).code === 'CONFLICT' ? (
              // Someone acted first: show them what the booking is now, then let them choose again.
              <button type="button" className="button" data-testid="refresh-booking" onClick={refreshBooking}>
                Refresh this booking
              </button>
            ) : null}
            <div className="dialog-actions">
              <button type="button" className="button ghost" onClick={close}>
                Back
              </button>
              <button
                type="submit"
                className={TONE[bookingAction] === 'danger' ? 'button danger' : 'button primary'}
                disabled={active.isPending}
              >
                {active.isPending ? 'Working…' : BOOKING_DIALOGS[bookingAction].title}
              </button>
            </div>
          </form>
        </Dialog>
      ) : null}
      {pending === 'reschedule' ? <RescheduleDialog booking={booking} onClose={close} onDone={onDone} /> : null}
      {pending === 'take_payment' ? (
        <TakePaymentDialog
          bookingId={booking.id}
          studentId={booking.student.id}
          studentName={booking.student.name}
          amountMinor={booking.totalMinor}
          currency={booking.currency}
          onClose={close}
        />
      ) : null}
      {pending === 'request_refund' ? (
        <RequestRefundDialog bookingId={booking.id} currency={booking.currency} onClose={close} />
      ) : null}
    </article>
  );
}
