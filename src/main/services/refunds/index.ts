import type { ServiceDeps } from '../context';
import type { PaymentGateway } from '../gateways';
import { createRefundRequests } from './requests';
import { createRefundSubmission } from './submission';

/** Refund requests (R24), their submission to Stripe and Stripe's outcomes (R27, R28). */
export function createRefundService(deps: ServiceDeps & { gateway: PaymentGateway }) {
  const submit = createRefundSubmission(deps);
  return { ...createRefundRequests(deps, submit), submit };
}

export type RefundService = ReturnType<typeof createRefundService>;
