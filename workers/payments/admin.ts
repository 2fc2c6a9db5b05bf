// What the admin pages use for payments, in one import: payouts (list, retry a failed one),
// reconciliation discrepancies (list, mark resolved) and a provider's balances from the ledger.
export { providerBalances } from "../../db/queries/ledger";
export { listDiscrepancies, listPayouts, resolveDiscrepancy, retryPayout } from "../../db/queries/payments";
export type { DiscrepancyRow, PayoutRow, PayoutStatus } from "../../db/queries/payments";
export type { ProviderBalance } from "../../domain/ledger";
