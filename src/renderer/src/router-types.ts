import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../../main/api/root';

/** What the staff procedures answer, as types only (no client code, so pure modules can use them). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
