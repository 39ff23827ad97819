import { recordedRoleOf, type Actor } from '../../domain/actors';
import type { NewLifecycleTransition } from '../ports';

/** The record of one decided transition of a payment, refund request or payout run. */
export function lifecycleRecord(
  actor: Actor,
  action: string,
  from: string | null,
  to: string,
  at: Date,
  extra: { bookingId?: number | null; reason?: string | null; data?: Record<string, unknown> } = {},
): NewLifecycleTransition {
  return {
    bookingId: extra.bookingId ?? null,
    action,
    fromState: from,
    toState: to,
    actorKind: actor.kind,
    actorId: actor.kind === 'SYSTEM' ? null : actor.id,
    actorRole: recordedRoleOf(actor),
    reason: extra.reason ?? null,
    data: extra.data ?? null,
    at,
  };
}
