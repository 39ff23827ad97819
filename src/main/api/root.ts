import { authRouter } from './routers/auth';
import { auditRouter, reportsRouter, settingsRouter, systemRouter } from './routers/admin';
import { bookingsRouter } from './routers/bookings';
import { ledgerRouter, payoutsRouter, statementsRouter, teachersRouter } from './routers/finance';
import { desktopRouter } from './routers/desktop';
import { gigsRouter, peopleRouter } from './routers/people';
import { operationsRouter, paymentsRouter, refundsRouter } from './routers/payments';
import { staffRouter } from './routers/staff';
import { createCallerFactory, router } from './trpc';

/** The console's one router, served over IPC in Electron and over HTTP by the headless host. */
export const appRouter = router({
  auth: authRouter,
  staff: staffRouter,
  people: peopleRouter,
  gigs: gigsRouter,
  bookings: bookingsRouter,
  settings: settingsRouter,
  reports: reportsRouter,
  audit: auditRouter,
  system: systemRouter,
  payments: paymentsRouter,
  refunds: refundsRouter,
  operations: operationsRouter,
  teachers: teachersRouter,
  payouts: payoutsRouter,
  ledger: ledgerRouter,
  statements: statementsRouter,
  /** Desktop only (answered by its main process, also when connected to a team server). */
  desktop: desktopRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
