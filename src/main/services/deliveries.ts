import { z } from 'zod';
import { DomainError } from '../domain/errors';
import { idSchema } from '../../shared/schemas';
import { auditEntry } from './audit';
import type { ServiceDeps } from './context';
import { implement, spec } from './use-case';

export const DELIVERY_USE_CASES = {
  failures: spec('operations.failedDeliveries', 'payments.read', z.object({}).optional()),
  retry: spec('operations.retryDelivery', 'operations.manage', z.object({ id: idSchema })),
};

/** The outbox seen by staff: deliveries that failed or are retrying, and a retry button. */
export function createDeliveryService({ uow, clock }: ServiceDeps, kick: () => void) {
  return {
    failures: implement(DELIVERY_USE_CASES.failures, () => uow.read.outboxWork.failures(200)),
    retry: implement(DELIVERY_USE_CASES.retry, async (actor, input) => {
      const retried = await uow.transaction(async (repos) => {
        const row = await repos.outboxWork.retry(input.id, clock.now());
        if (!row)
          throw new DomainError('ILLEGAL_TRANSITION', `Delivery ${input.id} was already delivered or does not exist`);
        await repos.audit.append(
          auditEntry(actor, 'outbox.retry', 'OutboxMessage', input.id, clock.now(), { key: row.key }),
        );
        return row;
      });
      kick();
      return retried;
    }),
  };
}
