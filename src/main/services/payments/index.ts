import type { ServiceDeps } from '../context';
import type { PaymentGateway } from '../gateways';
import { createIntentUseCases } from './intents';
import { createMethodUseCases } from './methods';
import { createPaymentQueries } from './queries';
import { createStripeEventHandler, type ConnectEvents } from './stripe-events';

/** Payments: cards, intents and their confirmation (R14, R15, R20–R23, R28), Stripe's events (R25). */
export function createPaymentService(deps: ServiceDeps & { gateway: PaymentGateway }, connect: ConnectEvents) {
  return {
    ...createMethodUseCases(deps),
    ...createIntentUseCases(deps),
    ...createPaymentQueries(deps),
    handleEvent: createStripeEventHandler(deps, connect),
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
