import { createBookingService } from './bookings';
import type { ServiceDeps } from './context';
import { createPeopleService } from './people';
import { createSettingsService } from './settings';
import { createReportService } from './reports';
import { createAuditService } from './audit';
import { createStaffService } from './staff';
import { createAuthService } from './auth';

export function createServices(deps: ServiceDeps) {
  const staff = createStaffService(deps);
  return {
    staff,
    auth: createAuthService(staff, deps.clock),
    people: createPeopleService(deps),
    bookings: createBookingService(deps),
    settings: createSettingsService(deps),
    reports: createReportService(deps),
    audit: createAuditService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
