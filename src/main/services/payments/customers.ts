import { DomainError } from '../../domain/errors';
import type { ServiceDeps } from '../context';
import { GatewayNoAnswer, GatewayRefused, type PaymentGateway } from '../gateways';
import { refusalError } from '../money-calls';

/**
 * The student's Stripe customer, made once. A create whose answer was lost is found again by its
 * metadata rather than made twice; a refused one is retried under a new key.
 */
export async function customerFor(deps: ServiceDeps & { gateway: PaymentGateway }, studentId: number): Promise<string> {
  const { uow, gateway } = deps;
  const student = await uow.read.people.findStudent(studentId);
  if (!student) throw new DomainError('NOT_FOUND', `Student ${studentId} does not exist`);
  if (student.stripeCustomerId) return student.stripeCustomerId;
  let customerId: string;
  try {
    customerId =
      (await gateway.findCustomer(student.email, studentId)) ??
      (await gateway.createCustomer(
        { email: student.email, name: student.name, studentId },
        `student:${studentId}:customer:${deps.clock.now().getTime()}`,
      ));
  } catch (error) {
    if (error instanceof GatewayRefused) throw refusalError('Creating the Stripe customer failed', error);
    if (error instanceof GatewayNoAnswer)
      throw new DomainError('INTEGRATION_FAILED', `Creating the Stripe customer failed: ${error.message}. Try again.`);
    throw error;
  }
  await uow.transaction((repos) => repos.people.setStudentCustomer(studentId, customerId));
  return customerId;
}
