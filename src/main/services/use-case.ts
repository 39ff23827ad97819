import type { z } from 'zod';
import type { Actor } from '../domain/actors';
import { assertStaffCan, type Permission } from '../domain/permissions';
import { parseInput } from './validation';

/**
 * A use case's contract: its name (the procedure's path), the permission it needs (R30–R33) and
 * the schema of its input. Transports (tRPC, the marketplace API) validate and authorize with
 * exactly this, once, then call `run`; direct callers go through the use case itself, which does
 * the same. Either way a use case is validated and authorized once, in one vocabulary.
 */
export interface UseCaseSpec<I extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** null: any signed-in actor; the use case checks ownership or the tables decide. */
  readonly permission: Permission | null;
  readonly input: I;
}

export function spec<I extends z.ZodType>(name: string, permission: Permission | null, input: I): UseCaseSpec<I> {
  return { name, permission, input };
}

export type UseCase<S extends UseCaseSpec, O> = ((actor: Actor, input: unknown) => Promise<O>) & {
  readonly spec: S;
  /** For transports that already validated and authorized against `spec`. */
  readonly run: (actor: Actor, input: z.output<S['input']>) => Promise<O>;
};

/** R33: the permission check of the service layer; non-staff actors are decided by the tables. */
export function authorize(actor: Actor, permission: Permission | null): void {
  if (permission) assertStaffCan(actor, permission);
}

export function implement<S extends UseCaseSpec, O>(
  useCaseSpec: S,
  run: (actor: Actor, input: z.output<S['input']>) => Promise<O>,
): UseCase<S, O> {
  const call = async (actor: Actor, input: unknown): Promise<O> => {
    authorize(actor, useCaseSpec.permission);
    return run(actor, parseInput(useCaseSpec.input, input ?? {}) as z.output<S['input']>);
  };
  return Object.assign(call, { spec: useCaseSpec, run });
}
