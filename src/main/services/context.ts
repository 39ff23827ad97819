import type { Clock } from '../domain/clock';
import type { UnitOfWork } from './ports';

/** What every service is built from: a unit of work over the repositories and a clock. */
export interface ServiceDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
}
