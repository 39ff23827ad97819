import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Dialog, InlineError, StatusBadge } from '../../components/ui';
import { formatDateTime, formatTime, viewerTimeZone } from '../../format';
import { dayIn } from '../../../../shared/time-zones';
import { useTRPC } from '../../trpc';

const MINUTE = 60_000;

/** What the dialog needs of the booking it moves. */
export interface MovableBooking {
  id: number;
  version: number;
  startsAt: Date;
  minutes: number;
  rescheduleCount: number;
  student: { name: string; timezone: string };
  teacher: { id: number; name: string; timezone: string };
}

/** `yyyy-mm-ddThh:mm` in the viewer's zone, the value a datetime-local input shows and reads. */
function toLocalInput(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * MINUTE);
  return local.toISOString().slice(0, 16);
}

/**
 * Staff move a booking on both parties' behalf (R51): a new start (same length) and a reason. It shows
 * the new time where each person lives and the teacher's other bookings that day, so support can
 * pick a time without a second screen; the server's guards (R10, the limits, the last 24 hours) decide.
 */
export function RescheduleDialog({
  booking,
  onClose,
  onDone,
}: {
  booking: MovableBooking;
  onClose: () => void;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [start, setStart] = useState(() => toLocalInput(booking.startsAt));
  const [reason, setReason] = useState('');
  const startsAt = start ? new Date(start) : null;
  const valid = startsAt !== null && !Number.isNaN(startsAt.getTime());
  const endsAt = valid ? new Date(startsAt.getTime() + booking.minutes * MINUTE) : null;
  const day = valid ? dayIn(startsAt, booking.teacher.timezone) : null;
  const sameDay = useQuery({
    ...trpc.bookings.list.queryOptions({
      teacherId: booking.teacher.id,
      from: day?.from,
      to: day?.to,
      sort: 'startsAt',
      limit: 100,
    }),
    enabled: day !== null,
  });
  const others = (sameDay.data?.items ?? []).filter(
    (row) => row.id !== booking.id && (row.status === 'PENDING' || row.status === 'CONFIRMED'),
  );
  const move = useMutation(trpc.bookings.reschedule.mutationOptions({ onSuccess: onDone }));
  const unchanged = valid && startsAt.getTime() === booking.startsAt.getTime();

  return (
    <Dialog title="Move to another time" onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!valid || unchanged) return;
          move.mutate({ id: booking.id, startsAt, reason, expectedVersion: booking.version });
        }}
      >
        <p>
          Move this booking for both the student and the teacher. A paid booking keeps its payment and its Zoom link
          (the meeting moves); both are emailed the new time.
          {booking.rescheduleCount > 0
            ? ` It has been moved ${booking.rescheduleCount} time${booking.rescheduleCount === 1 ? '' : 's'} already.`
            : null}
        </p>
        <label>
          New start (your time, {viewerTimeZone})
          <input
            type="datetime-local"
            value={start}
            onChange={(event) => setStart(event.target.value)}
            required
            data-testid="reschedule-start"
          />
        </label>
        {valid && endsAt ? (
          <dl className="zones" data-testid="reschedule-zones">
            <dt>You ({viewerTimeZone})</dt>
            <dd>
              {formatDateTime(startsAt)} – {formatTime(endsAt)}
            </dd>
            <dt>
              Teacher {booking.teacher.name} ({booking.teacher.timezone})
            </dt>
            <dd data-testid="reschedule-teacher-time">
              {formatDateTime(startsAt, booking.teacher.timezone)} – {formatTime(endsAt, booking.teacher.timezone)}
            </dd>
            <dt>
              Student {booking.student.name} ({booking.student.timezone})
            </dt>
            <dd data-testid="reschedule-student-time">
              {formatDateTime(startsAt, booking.student.timezone)} – {formatTime(endsAt, booking.student.timezone)}
            </dd>
          </dl>
        ) : null}
        <section aria-label="Teacher's other bookings that day" data-testid="reschedule-same-day">
          <h3>{booking.teacher.name}’s other bookings that day</h3>
          {sameDay.isPending && day ? <p className="muted">Loading…</p> : null}
          {sameDay.isError ? <InlineError error={sameDay.error} /> : null}
          {sameDay.isSuccess && others.length === 0 ? <p className="muted">None — the day is free.</p> : null}
          {others.length > 0 ? (
            <ul className="plain">
              {others.map((row) => {
                const clash = valid && endsAt !== null && row.startsAt < endsAt && row.endsAt > startsAt;
                return (
                  <li key={row.id} className={clash ? 'clash' : undefined}>
                    {formatTime(row.startsAt, booking.teacher.timezone)}–
                    {formatTime(row.endsAt, booking.teacher.timezone)} (teacher’s time) · #{row.id}{' '}
                    <StatusBadge value={row.status} />
                    {clash ? <strong> overlaps the new time</strong> : null}
                  </li>
                );
              })}
            </ul>
          ) : null}
        </section>
        <label>
          Reason (required, sent to both)
          <textarea
            value={reason}
            onChange={(event) => setReason(event.target.value)}
            rows={3}
            maxLength={500}
            data-testid="reschedule-reason"
          />
        </label>
        {unchanged ? <p className="muted">Pick a time other than the current one.</p> : null}
        <InlineError error={move.error} />
        <div className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Back
          </button>
          <button
            type="submit"
            className="button primary"
            disabled={move.isPending || !valid || unchanged}
            data-testid="reschedule-submit"
          >
            {move.isPending ? 'Moving…' : 'Move booking'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
