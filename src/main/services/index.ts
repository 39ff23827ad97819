import { createAuditService } from './audit';
import { createAccountService } from './accounts';
import { createAuthService } from './auth';
import { createBookingService } from './bookings';
import type { ServiceDeps } from './context';
import { createDeliveryService } from './deliveries';
import { createMarketplaceQueries } from './marketplace';
import type { PaymentGateway } from './gateways';
import type { RateLimits } from './ports';
import { createPaymentService } from './payments';
import { createFinanceServices } from './payouts';
import { createPeopleService } from './people';
import { createReconciliationService } from './reconciliation';
import { createRefundService } from './refunds';
import { createReportService } from './reports';
import { createSettingsService } from './settings';
import { createStaffService } from './staff';

export interface ServiceIntegrations {
  gateway: PaymentGateway;
  /** The key of the marketplace's access tokens (LINGUAFLEX_TOKEN_SECRET); else one kept in the database. */
  tokenSecret?: string | undefined;
  /** Shared limits (the container always gives the database's); services built on their own count nothing. */
  rateLimits?: RateLimits | undefined;
  /** Where Stripe sends a teacher after Connect onboarding (LINGUAFLEX_CONNECT_RETURN_URL): the marketplace's page. */
  connectReturnUrl?: string | undefined;
}

const NO_RATE_LIMITS: RateLimits = {
  consume: () => Promise.resolve({ allowed: true }),
  reset: () => Promise.resolve(),
  giveBack: () => Promise.resolve(),
};

/** Set once the outbox worker exists (it needs the services first). */
export interface DeliveryKick {
  kick: () => void;
}

export function createServices(
  deps: ServiceDeps,
  integrations: ServiceIntegrations,
  deliveryKick: DeliveryKick = { kick: () => undefined },
) {
  const staff = createStaffService(deps);
  const money = { ...deps, gateway: integrations.gateway };
  const finance = createFinanceServices({ ...money, connectReturnUrl: integrations.connectReturnUrl });
  const payments = createPaymentService(money, {
    onTransfer: (transfer) => finance.payouts.transfers.settleFromTransfer(transfer),
    onAccount: (id) => finance.teachers.accountChanged(id),
  });
  const refunds = createRefundService(money);
  return {
    ...finance,
    staff,
    auth: createAuthService(deps, staff, integrations.rateLimits ?? NO_RATE_LIMITS),
    accounts: createAccountService(deps, integrations.tokenSecret, integrations.rateLimits ?? NO_RATE_LIMITS),
    marketplace: createMarketplaceQueries(deps),
    people: createPeopleService(deps),
    bookings: createBookingService(deps, refunds.submit),
    settings: createSettingsService(deps),
    reports: createReportService(deps),
    audit: createAuditService(deps),
    payments,
    refunds,
    reconciliation: createReconciliationService({
      ...money,
      intents: payments,
      transfers: finance.payouts.reconcile,
    }),
    deliveries: createDeliveryService(deps, () => deliveryKick.kick()),
  };
}

export type Services = ReturnType<typeof createServices>;
