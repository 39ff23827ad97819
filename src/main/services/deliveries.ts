import { z } from 'zod';
import type { Actor } from '../domain/actors';
import { DomainError } from '../domain/errors';
import { assertStaffCan } from '../domain/permissions';
import { idSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import type { ServiceDeps } from './context';
import type { OutboxRecord } from './ports';
import { parseInput } from './validation';

/** The outbox seen by staff: deliveries that failed or are retrying, and a retry button. */
export function createDeliveryService({ uow, clock }: ServiceDeps, kick: () => void) {
  return {
    async failures(actor: Actor): Promise<OutboxRecord[]> {
      assertStaffCan(actor, 'payments.read');
      return uow.read.outboxWork.failures(200);
    },
    async retry(actor: Actor, input: unknown): Promise<OutboxRecord> {
      assertStaffCan(actor, 'operations.manage');
      const { id } = parseInput(z.object({ id: idSchema }), input, 'delivery');
      const retried = await uow.transaction(async (repos) => {
        const row = await repos.outboxWork.retry(id, clock.now());
        if (!row) throw new DomainError('ILLEGAL_TRANSITION', `Delivery ${id} was already delivered or does not exist`);
        await repos.audit.append(auditEntry(actor, 'outbox.retry', 'OutboxMessage', id, clock.now(), { key: row.key }));
        return row;
      });
      kick();
      return retried;
    },
  };
}
