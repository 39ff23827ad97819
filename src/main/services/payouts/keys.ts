/** R22: a payout line's transfer key derives from the line and the attempt; a reversal's from its refund. */
export const payoutLineKey = (lineId: number, attempt: number) => `payout-line:${lineId}:transfer:${attempt}`;
export const reversalKey = (refundRequestId: number) => `refund-request:${refundRequestId}:reversal`;
/** Every transfer of a run shares its group (R44). */
export const transferGroupOf = (runId: number) => `payout-run-${runId}`;
