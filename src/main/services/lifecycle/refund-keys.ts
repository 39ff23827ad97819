/** R22: the Stripe key of a refund request's attempt derives from the request's id and the attempt. */
export const refundAttemptKey = (id: number, attempt: number): string => `refund-request:${id}:refund:${attempt}`;
