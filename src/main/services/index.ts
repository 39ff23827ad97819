import { createBookingService } from './bookings';
import type { ServiceDeps } from './context';
import { createPeopleService } from './people';
import { createSettingsService } from './settings';
import { createStaffService } from './staff';

export function createServices(deps: ServiceDeps) {
  return {
    staff: createStaffService(deps),
    people: createPeopleService(deps),
    bookings: createBookingService(deps),
    settings: createSettingsService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
