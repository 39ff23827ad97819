import { DAY_MS, MINUTE_MS } from '../../domain/clock';
import { DomainError } from '../../domain/errors';
import type { ServiceDeps } from '../context';
import { loadSettings } from '../settings';
import type { BookingView } from './views';

type Step = (action: 'expire_payment_window' | 'complete', id: number) => Promise<BookingView>;
export interface SweepResult {
  done: number[];
  skipped: { id: number; reason: string }[];
}

/** The system's own transitions on a timer (R16, R17); each booking is decided by the table again. */
export function createBookingSweeps(deps: ServiceDeps, step: Step) {
  const { uow, clock } = deps;

  async function run(action: 'expire_payment_window' | 'complete', ids: number[]): Promise<SweepResult> {
    const result: SweepResult = { done: [], skipped: [] };
    for (const id of ids) {
      try {
        await step(action, id);
        result.done.push(id);
      } catch (error) {
        // Someone acted on it in the meantime, or a guard no longer holds: leave it for the next sweep.
        if (error instanceof DomainError) result.skipped.push({ id, reason: error.message });
        else throw error;
      }
    }
    return result;
  }

  return {
    /** R16: cancel every confirmed booking whose payment did not arrive by start − window. */
    async expireUnpaid(limit = 500): Promise<SweepResult> {
      const settings = await loadSettings(uow.read);
      const cutoff = new Date(clock.now().getTime() + settings.paymentWindowMinutes * MINUTE_MS);
      return run('expire_payment_window', await uow.read.bookings.findExpiredPaymentWindows(cutoff, limit));
    },
    /** R17 (system): complete paid sessions 24 h after they ended. */
    async autoComplete(limit = 500): Promise<SweepResult> {
      const endedBefore = new Date(clock.now().getTime() - DAY_MS);
      return run('complete', await uow.read.bookings.findCompletable(endedBefore, limit));
    },
  };
}
