import { createBookingService } from './bookings';
import type { ServiceDeps } from './context';
import { createPeopleService } from './people';
import { createSettingsService } from './settings';
import { createReportService } from './reports';
import { createAuditService } from './audit';
import { createDeliveryService } from './deliveries';
import type { PaymentGateway } from './gateways';
import { createPaymentService } from './payments';
import { createReconciliationService } from './reconciliation';
import { createRefundService } from './refunds-workflow';
import { createStaffService } from './staff';
import { createAuthService } from './auth';

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
  const payments = createPaymentService({ ...deps, gateway: integrations.gateway });
  return {
    staff,
    auth: createAuthService(staff, deps.clock),
    people: createPeopleService(deps),
    bookings: createBookingService(deps),
    settings: createSettingsService(deps),
    reports: createReportService(deps),
    audit: createAuditService(deps),
    payments,
    refunds: createRefundService({ ...deps, gateway: integrations.gateway }),
    reconciliation: createReconciliationService({ ...deps, gateway: integrations.gateway, payments }),
    deliveries: createDeliveryService(deps, () => deliveryKick.kick()),
  };
}

export type Services = ReturnType<typeof createServices>;
