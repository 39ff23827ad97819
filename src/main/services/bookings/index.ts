import type { ServiceDeps } from '../context';
import type { SubmitRefund } from '../refunds/submission';
import { createBookingCommands } from './commands';
import { createBookingQueries } from './queries';
import { createRescheduleCommands } from './reschedule';
import { createBookingSweeps } from './sweeps';

/** Bookings (R10–R19): commands through the booking table, queries for the console, the system's sweeps. */
export function createBookingService(deps: ServiceDeps, submitRefund: SubmitRefund) {
  const commands = createBookingCommands(deps, submitRefund);
  const { systemStep: _systemStep, ...publicCommands } = commands;
  return {
    ...publicCommands,
    ...createRescheduleCommands(deps),
    ...createBookingQueries(deps),
    ...createBookingSweeps(deps, commands.systemStep),
  };
}

export type BookingService = ReturnType<typeof createBookingService>;
export type { BookingView } from './views';
export type { BookingDetail, BookingPage } from './queries';
