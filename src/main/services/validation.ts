import type { z } from 'zod';
import { DomainError } from '../domain/errors';

/** The issues of a failed parse, as `field → messages` (the marketplace API's 400 shape uses it too). */
export function fieldProblems(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
  const fields: Record<string, string[]> = {};
  for (const issue of issues) {
    const field = issue.path.map(String).join('.') || 'input';
    (fields[field] ??= []).push(issue.message);
  }
  return fields;
}

/** Validates a use case's input; a failure names every bad field, and nothing has been written yet. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, what = 'input'): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return field ? `${field}: ${issue.message}` : issue.message;
  });
  throw new DomainError('VALIDATION', `Invalid ${what}: ${problems.join('; ')}`, {
    problems,
    fields: fieldProblems(result.error.issues),
  });
}
