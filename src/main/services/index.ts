import { createAuditService } from './audit';
import { createAuthService } from './auth';
import { createBookingService } from './bookings';
import type { ServiceDeps } from './context';
import { createDeliveryService } from './deliveries';
import type { PaymentGateway } from './gateways';
import { createPaymentService } from './payments';
import { createPeopleService } from './people';
import { createReconciliationService } from './reconciliation';
import { createRefundService } from './refunds';
import { createReportService } from './reports';
import { createSettingsService } from './settings';
import { createStaffService } from './staff';

export interface ServiceIntegrations {
  gateway: PaymentGateway;
}

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
  const payments = createPaymentService(money);
  const refunds = createRefundService(money);
  return {
    staff,
    auth: createAuthService(staff, deps.clock),
    people: createPeopleService(deps),
    bookings: createBookingService(deps, refunds.submit),
    settings: createSettingsService(deps),
    reports: createReportService(deps),
    audit: createAuditService(deps),
    payments,
    refunds,
    reconciliation: createReconciliationService({ ...money, intents: payments }),
    deliveries: createDeliveryService(deps, () => deliveryKick.kick()),
  };
}

export type Services = ReturnType<typeof createServices>;
