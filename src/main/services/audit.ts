import { recordedRoleOf, type Actor } from '../domain/actors';
import type { AuditDraft } from './ports';

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
