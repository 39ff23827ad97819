import type { ServiceDeps } from '../context';
import type { PaymentGateway } from '../gateways';
import { createConnectUseCases } from './connect';
import { createLedgerUseCases } from './ledger-check';
import { createTransferReconciliation } from './reconcile';
import { createPayoutRuns } from './runs';
import { createStatementUseCases } from './statements';
import { createTransferSender } from './transfers';

/** Finance (R40–R47): connected accounts, payout runs, the ledger and statements. */
export function createFinanceServices(
  deps: ServiceDeps & { gateway: PaymentGateway; connectReturnUrl?: string | undefined },
) {
  const transfers = createTransferSender(deps);
  const runs = createPayoutRuns(deps, transfers);
  return {
    teachers: createConnectUseCases(deps),
    payouts: { ...runs, transfers, reconcile: createTransferReconciliation(deps, transfers, runs.finish) },
    ledger: createLedgerUseCases(deps),
    statements: createStatementUseCases(deps),
  };
}
