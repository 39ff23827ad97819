import { DomainError } from '../../domain/errors';
import { payoutStatusOf } from '../../domain/payouts';
import { auditEntry } from '../audit';
import { inTransaction, type ServiceDeps } from '../context';
import { GatewayNoAnswer, GatewayRefused, type PaymentGateway } from '../gateways';
import { refusalError } from '../money-calls';
import { implement } from '../use-case';
import { PAYOUT_USE_CASES } from './specs';

/**
 * A teacher's Stripe Connect account (R44): created at Stripe (the local sandbox makes it ready at
 * once; with real Stripe the teacher finishes onboarding through a link), or an existing `acct_` id
 * recorded after Stripe confirms it exists. What the console shows as the teacher's payout status.
 */
export function createConnectUseCases(
  deps: ServiceDeps & { gateway: PaymentGateway; connectReturnUrl?: string | undefined },
) {
  const { uow, clock, gateway } = deps;
  const translate = (what: string) => (error: unknown) => {
    if (error instanceof GatewayRefused) throw refusalError(what, error);
    if (error instanceof GatewayNoAnswer)
      throw new DomainError('INTEGRATION_FAILED', `${what}: ${error.message}. Try again.`);
    throw error;
  };

  const status = payoutStatusOf;

  return {
    connect: implement(PAYOUT_USE_CASES.connect, async (actor, input) => {
      const teacher = await uow.read.people.findTeacher(input.teacherId);
      if (!teacher) throw new DomainError('NOT_FOUND', `Teacher ${input.teacherId} does not exist`);
      const account = input.stripeAccountId
        ? await gateway
            .retrieveConnectedAccount(input.stripeAccountId)
            .catch(translate('Stripe does not know that account'))
        : await gateway
            .createConnectedAccount({ email: teacher.email, teacherId: teacher.id }, `teacher:${teacher.id}:connect`)
            .catch(translate('Creating the teacher’s Stripe account failed'));
      // With real Stripe the teacher finishes onboarding on Stripe's page, then returns to the
      // marketplace (never to this staff console, where a teacher cannot sign in).
      const returnUrl = deps.connectReturnUrl;
      const onboardingUrl =
        gateway.mode === 'real' && !account.transfersActive && returnUrl
          ? (
              await gateway
                .createOnboardingLink(account.id, returnUrl, returnUrl)
                .catch(translate('Creating the onboarding link failed'))
            ).url
          : null;
      await inTransaction(deps, async (repos, changes) => {
        changes.other.push({
          type: 'teacher.account_changed',
          teacherId: teacher.id,
          stripeAccountId: account.id,
          at: clock.now(),
        });
        await repos.payouts.setTeacherAccount(teacher.id, {
          stripeAccountId: account.id,
          payoutsEnabled: account.payoutsEnabled,
          transfersActive: account.transfersActive,
        });
        await repos.audit.append(
          auditEntry(actor, 'teacher.connect', 'Teacher', teacher.id, clock.now(), { stripeAccountId: account.id }),
        );
      });
      return {
        teacherId: teacher.id,
        stripeAccountId: account.id,
        payoutsEnabled: account.payoutsEnabled,
        transfersActive: account.transfersActive,
        payoutStatus: status({ stripeAccountId: account.id, ...account }),
        onboardingUrl,
      };
    }),

    /** `account.updated` (R25): a teacher's account gained or lost its transfers capability at Stripe. */
    async accountChanged(stripeAccountId: string): Promise<boolean> {
      const account = await gateway.retrieveConnectedAccount(stripeAccountId);
      const teachers = await inTransaction(deps, async (repos, changes) => {
        const updated = await repos.payouts.updateAccountState(account.id, {
          payoutsEnabled: account.payoutsEnabled,
          transfersActive: account.transfersActive,
        });
        if (updated > 0)
          changes.other.push({
            type: 'teacher.account_changed',
            teacherId: null,
            stripeAccountId: account.id,
            at: clock.now(),
          });
        return updated;
      });
      return teachers > 0;
    },

    payoutStatus: implement(PAYOUT_USE_CASES.payoutStatus, async (_actor, input) => {
      const account = await uow.read.payouts.teacherAccount(input.teacherId);
      if (!account) throw new DomainError('NOT_FOUND', `Teacher ${input.teacherId} does not exist`);
      return { teacherId: input.teacherId, ...account, payoutStatus: status(account) };
    }),
  };
}
