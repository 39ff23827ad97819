import { recordedRoleOf, type Actor } from '../domain/actors';
import { z } from 'zod';
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
  entity: z.string().max(60).optional(),
  entityId: z.string().max(60).optional(),
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).optional(),
});

export const AUDIT_USE_CASES = { list: spec('audit.list', 'audit.read', auditQuery) };

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
      async (_actor, query): Promise<{ items: AuditRecord[]; nextCursor: number | null }> => {
        const limit = query.limit ?? 50;
        const rows = await uow.read.audit.list({
          entity: query.entity,
          entityId: query.entityId,
          beforeId: query.cursor,
          limit: limit + 1,
        });
        const items = rows.slice(0, limit);
        return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
      },
    ),
  };
}
