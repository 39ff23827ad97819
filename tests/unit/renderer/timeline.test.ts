import { describe, expect, it } from 'vitest';
import { timelineOf } from '../../../src/renderer/src/features/bookings/timeline';
import { formatDateTime } from '../../../src/renderer/src/format';

type Detail = Parameters<typeof timelineOf>[0];

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 9, minute));
const staff = (id: number, role: string) => ({ actorKind: 'STAFF', actorId: id, actorRole: role });

/** The booking's history in words (issue 12, point 6): staff by name, plain verbs, reasons, oldest first. */
describe('the booking timeline in words', () => {
  const from = new Date(Date.UTC(2026, 10, 25, 15));
  const to = new Date(Date.UTC(2026, 10, 26, 16));
  const detail = {
    currency: 'USD',
    staffNames: { 1: 'Ada Admin', 2: 'Fiona Finance', 3: 'Sam Support' },
    transitions: [
      { id: 1, at: at(0), action: 'create', ...staff(3, 'SUPPORT'), reason: null },
      { id: 2, at: at(1), action: 'confirm', actorKind: 'TEACHER', actorId: 9, actorRole: 'TEACHER', reason: null },
      {
        id: 3,
        at: at(5),
        action: 'reschedule',
        ...staff(3, 'SUPPORT'),
        fromStartsAt: from,
        toStartsAt: to,
        reason: 'Exam that morning',
      },
      {
        id: 4,
        at: at(9),
        action: 'refund',
        ...staff(2, 'FINANCE'),
        toPaymentStatus: 'PARTIALLY_REFUNDED',
        reason: null,
      },
    ],
    moneyTransitions: [
      {
        id: 10,
        at: at(2),
        aggregate: 'payment',
        aggregateId: 7,
        action: 'succeed',
        actorKind: 'SYSTEM',
        actorId: null,
        actorRole: 'STRIPE',
        toState: 'SUCCEEDED',
        data: null,
        reason: null,
      },
      {
        id: 11,
        at: at(7),
        aggregate: 'refund',
        aggregateId: 4,
        action: 'approve',
        ...staff(2, 'FINANCE'),
        toState: 'AWAITING_SECOND_APPROVAL',
        data: { amountMinor: 2050 },
        reason: 'Teacher was late',
      },
      {
        id: 12,
        at: at(8),
        aggregate: 'refund',
        aggregateId: 4,
        action: 'approve',
        ...staff(1, 'ADMIN'),
        toState: 'APPROVED',
        data: { amountMinor: 2050 },
        reason: null,
      },
    ],
  } as unknown as Detail;

  it('names staff and actors, says what happened in words, in time order, with reasons', () => {
    const lines = timelineOf(detail).map(
      (entry) => `${entry.who}: ${entry.what}${entry.reason ? ` — ${entry.reason}` : ''}`,
    );
    expect(lines).toEqual([
      'Sam Support (support): booked the session',
      'The teacher: confirmed the booking; the student was asked to pay',
      'Stripe: confirmed payment #7 succeeded',
      `Sam Support (support): moved the session from ${formatDateTime(from)} to ${formatDateTime(to)} — Exam that morning`,
      'Fiona Finance (finance): approved refund request #4 — the first of two approvals; it awaits a second approver — Teacher was late',
      'Ada Admin (admin): approved refund request #4',
      'Fiona Finance (finance): refunded part of the payment',
    ]);
  });

  it('never shows a code or a bare id for a staff member it can name', () => {
    const text = timelineOf(detail)
      .map((entry) => `${entry.who} ${entry.what}`)
      .join('\n');
    expect(text).not.toMatch(/ADMIN #|FINANCE #|SUPPORT #|→|_/);
  });
});
