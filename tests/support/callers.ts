import { apiContext } from '../../src/main/api/context';
import { createCaller } from '../../src/main/api/root';
import type { Container } from '../../src/main/container';
import type { StaffRole } from '../../src/main/domain/actors';
import { silentLogger } from '../../src/main/log';
import { hashPassword } from '../../src/main/services/passwords';

export const STAFF_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;
let sequence = 0;

/** A caller of the staff router exactly as a console is: a staff account signed in with auth.login. */
export async function signedInCaller(container: Container, role: StaffRole, name: string = role.toLowerCase()) {
  passwordHash ??= hashPassword(STAFF_PASSWORD);
  const email = `${name}-${Date.now().toString(36)}-${(sequence += 1)}@callers.test`;
  const staff = await container.uow.transaction(async (repos) =>
    repos.staff.create({
      email,
      name,
      role,
      passwordHash: await (passwordHash ?? hashPassword(STAFF_PASSWORD)),
      createdAt: container.clock.now(),
    }),
  );
  const session = await anonymousCaller(container).auth.login({ email, password: STAFF_PASSWORD });
  return {
    staff,
    actor: { kind: 'STAFF' as const, id: staff.id, role },
    caller: createCaller(apiContext(container, silentLogger, session.token)),
  };
}

export function anonymousCaller(container: Container) {
  return createCaller(apiContext(container, silentLogger, null));
}
