import { recordedRoleOf, type Actor } from '../domain/actors';
import { auditEntitiesVisibleTo } from '../domain/audit';
import { DomainError } from '../domain/errors';
import { z } from 'zod';
import { idSchema, instantSchema, textSchema, wholeNumber } from '../../shared/schemas';
import type { ServiceDeps } from './context';
import type { AuditDraft, AuditRecord } from './ports';
import { implement, spec } from './use-case';

export function auditEntry(
  actor: Actor,
  action: string,
  entity: string,
  entityId: string | number,
  at: Date,
  data?: Record<string, unknown>,
): AuditDraft {
  return {
    actorStaffId: actor.kind === 'STAFF' ? actor.id : null,
    actorRole: recordedRoleOf(actor),
    action,
    entity,
    entityId: String(entityId),
    ...(data ? { data } : {}),
    at,
  };
}

const auditQuery = z.object({
  entity: textSchema(60, { required: false, trim: false }).optional(),
  entityId: textSchema(60, { required: false, trim: false }).optional(),
  /** A booking's history: the booking, its payments and its refund requests. */
  bookingId: idSchema.optional(),
  /** A student's entries and their bookings' history. */
  studentId: idSchema.optional(),
  /** A teacher's entries, gigs and payout lines, and their bookings' history. */
  teacherId: idSchema.optional(),
  /** Entries of one staff member's actions. */
  staffId: idSchema.optional(),
  /** An action ("booking.cancel") or a family of them ("booking", "refund.approve"). */
  action: z
    .string()
    .trim()
    .max(80)
    .regex(/^[a-z0-9_.]*$/, 'must be an action name such as booking.cancel or refund')
    .optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  cursor: idSchema.optional(),
  limit: wholeNumber({ min: 1, max: 200 }).optional(),
});

/**
 * Everyone who reads bookings reaches the log, and the use case decides what of it they see (R32,
 * R34): ADMIN and FINANCE every entry, SUPPORT booking history only.
 */
export const AUDIT_USE_CASES = {
  list: spec('audit.list', 'bookings.read', auditQuery),
  actors: spec('audit.actors', 'bookings.read', z.object({}).optional()),
};

export function createAuditService({ uow, clock }: ServiceDeps) {
  return {
    /** An audit entry for an action taken outside a use case's own transaction (e.g. credentials saved). */
    async record(
      actor: Actor,
      action: string,
      entity: string,
      entityId: string,
      data?: Record<string, unknown>,
    ): Promise<void> {
      await uow.transaction((repos) =>
        repos.audit.append(auditEntry(actor, action, entity, entityId, clock.now(), data)),
      );
    },
    /** Newest first; `cursor` is the last id of the previous page. */
    list: implement(
      AUDIT_USE_CASES.list,
      async (actor, query): Promise<{ items: AuditRecord[]; nextCursor: number | null }> => {
        const visible = auditEntitiesVisibleTo(actor);
        if (visible && query.entity && !visible.includes(query.entity)) {
          throw new DomainError(
            'FORBIDDEN',
            `A ${actor.kind === 'STAFF' ? actor.role : actor.kind} user may read only booking history in the audit log (bookings, their payments and refund requests), not ${query.entity} entries`,
            { entity: query.entity },
          );
        }
        const limit = query.limit ?? 50;
        const rows = await uow.read.audit.list({
          entity: query.entity,
          entityId: query.entityId,
          entities: visible ?? undefined,
          bookingId: query.bookingId,
          studentId: query.studentId,
          teacherId: query.teacherId,
          actorStaffId: query.staffId,
          action: query.action || undefined,
          from: query.from,
          to: query.to,
          beforeId: query.cursor,
          limit: limit + 1,
        });
        const items = rows.slice(0, limit);
        return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
      },
    ),
    /** The staff who appear as actors in the part of the log the caller may read (the screen's staff filter). */
    actors: implement(AUDIT_USE_CASES.actors, async (actor) => {
      const visible = auditEntitiesVisibleTo(actor);
      return uow.read.audit.actors(visible ?? undefined);
    }),
  };
}
