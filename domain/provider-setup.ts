// Limits of what a provider sets up: weekly hours and refund tiers. Shared by the editors
// (app/components/provider) and the rules that check a submission (workers/services/*-rules.ts).
// Nothing imported, so a browser bundle that shows these numbers takes only them.

/** ISO weekdays (Monday = 1, as domain/availability.ts WeeklyRule) with the names messages use. */
export const WEEKDAYS = [
  { number: 1, name: "Monday" },
  { number: 2, name: "Tuesday" },
  { number: 3, name: "Wednesday" },
  { number: 4, name: "Thursday" },
  { number: 5, name: "Friday" },
  { number: 6, name: "Saturday" },
  { number: 7, name: "Sunday" },
] as const;

export type Weekday = (typeof WEEKDAYS)[number]["number"];

/** Ranges one weekday may have (breaks included). */
export const MAX_RANGES_PER_DAY = 8;

/** Tiers a cancellation policy may have (domain/cancellation-policy.ts CancellationPolicySchema). */
export const MAX_TIERS = 10;
