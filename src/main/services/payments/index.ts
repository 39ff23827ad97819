import type { ServiceDeps } from '../context';
import type { PaymentGateway } from '../gateways';
import { createIntentUseCases } from './intents';
import { createMethodUseCases } from './methods';
import { createPaymentQueries } from './queries';
import { createStripeEventHandler } from './stripe-events';

/** Payments: cards, intents and their confirmation (R14, R15, R20–R23, R28), Stripe's events (R25). */
export function createPaymentService(deps: ServiceDeps & { gateway: PaymentGateway }) {
  return {
    ...createMethodUseCases(deps),
    ...createIntentUseCases(deps),
    ...createPaymentQueries(deps),
    handleEvent: createStripeEventHandler(deps),
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
