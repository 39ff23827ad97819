import type { Actor } from './actors';
import { DomainError } from './errors';
import { roleCan } from './permissions';

/** The entries that make up a booking's history: the booking itself, its payments and its refund requests. */
export const BOOKING_HISTORY_ENTITIES = ['Booking', 'Payment', 'RefundRequest'] as const;

/**
 * R31/R32/R34: which audit entries an actor may read. ADMIN and FINANCE (`audit.read`) read every
 * entry (null: no restriction); SUPPORT reads booking history only — never entries about staff
 * accounts, settings, credentials, payouts or reconciliation. Students and teachers read none.
 */
export function auditEntitiesVisibleTo(actor: Actor): readonly string[] | null {
  if (actor.kind !== 'STAFF') throw new DomainError('FORBIDDEN', 'Only staff read the audit log');
  return roleCan(actor.role, 'audit.read') ? null : BOOKING_HISTORY_ENTITIES;
}
