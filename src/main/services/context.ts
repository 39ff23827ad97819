import type { Clock } from '../domain/clock';
import type { EventBus } from './events';
import type { UnitOfWork } from './ports';

/** What every service is built from: a unit of work over the repositories, a clock and the event bus. */
export interface ServiceDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  /** Receives an event after each committed change; optional for scripts that need none. */
  readonly events?: EventBus;
}
