import { TRPCClientError } from '@trpc/client';

/** The server's message and stable code, for any error a call can end with. */
export function describeError(error: unknown): { message: string; code: string | null } {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<never>).data as { domainCode?: string } | undefined;
    return { message: error.message, code: data?.domainCode ?? null };
  }
  if (error instanceof Error) return { message: error.message, code: null };
  return { message: String(error), code: null };
}
