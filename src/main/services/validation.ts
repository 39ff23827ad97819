import type { z } from 'zod';
import { DomainError } from '../domain/errors';

/** Validates a use case's input; a failure names every bad field, and nothing has been written yet. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  throw new DomainError('VALIDATION', `Invalid ${what}: ${problems.join('; ')}`, { problems });
}
