import { DomainError } from '../../domain/errors';
import type { Actor } from '../../domain/actors';
import { auditEntry } from '../audit';
import type { ServiceDeps } from '../context';
import { GatewayNoAnswer, GatewayRefused, type PaymentGateway } from '../gateways';
import { refusalError } from '../money-calls';
import type { SavedMethodRecord } from '../ports';
import { implement } from '../use-case';
import { customerFor } from './customers';
import { PAYMENT_USE_CASES } from './specs';

/** R20: only Stripe ids and display data of a card. */
export function methodView(method: SavedMethodRecord) {
  return {
    id: method.id,
    paymentMethodId: method.stripePaymentMethodId,
    brand: method.brand,
    last4: method.last4,
    expMonth: method.expMonth,
    expYear: method.expYear,
    country: method.country,
    createdAt: method.createdAt,
  };
}

/** Newest first; the card added most recently is the default (as the marketplace API says). */
export function defaultFirst(
  methods: readonly SavedMethodRecord[],
): { method: SavedMethodRecord; isDefault: boolean }[] {
  return [...methods]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
    .map((method, index) => ({ method, isDefault: index === 0 }));
}

/** R50: a student reaches only their own cards; another's are answered as absent. */
function assertOwnStudent(actor: Actor, studentId: number): void {
  if (actor.kind === 'STUDENT' && actor.id !== studentId)
    throw new DomainError('NOT_FOUND', `Student ${studentId} does not exist`);
  if (actor.kind === 'TEACHER') throw new DomainError('FORBIDDEN', 'Teachers have no saved cards');
}

export function createMethodUseCases(deps: ServiceDeps & { gateway: PaymentGateway }) {
  const { uow, clock, gateway } = deps;

  const attachMethod = implement(PAYMENT_USE_CASES.attachMethod, async (actor, input) => {
    assertOwnStudent(actor, input.studentId);
    const customerId = await customerFor(deps, input.studentId);
    const card = await gateway.attachPaymentMethod(input.paymentMethodId, customerId).catch((error: unknown) => {
      if (error instanceof GatewayRefused) throw refusalError('Stripe refused the card', error);
      if (error instanceof GatewayNoAnswer)
        throw new DomainError('INTEGRATION_FAILED', `Stripe did not answer: ${error.message}. Try again.`);
      throw error;
    });
    return uow.transaction(async (repos) => {
      const saved = await repos.payments.saveMethod({
        studentId: input.studentId,
        stripePaymentMethodId: card.paymentMethodId,
        brand: card.brand,
        last4: card.last4,
        expMonth: card.expMonth,
        expYear: card.expYear,
        country: card.country,
        createdAt: clock.now(),
      });
      await repos.audit.append(
        auditEntry(actor, 'payment_method.attach', 'Student', input.studentId, clock.now(), {
          brand: card.brand,
          last4: card.last4,
        }),
      );
      return methodView(saved);
    });
  });

  const listMethods = implement(PAYMENT_USE_CASES.listMethods, async (actor, input) => {
    assertOwnStudent(actor, input.studentId);
    return defaultFirst(await uow.read.payments.methods(input.studentId)).map(({ method, isDefault }) => ({
      ...methodView(method),
      isDefault,
    }));
  });

  return { attachMethod, listMethods };
}
