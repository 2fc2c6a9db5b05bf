// Formatting shared by the admin pages. Loaders format on the server so the numbers in the HTML are the
// same with or without JavaScript. Admins compare events across zones, so instants are shown in UTC
// (an appointment additionally in the provider's zone, where the time was chosen).
import { formatMoney, minorUnitDigits } from "../../../domain/money";
import { formatInZone } from "../../utils/format";

/** "2026-03-10 14:05:09 UTC", or an em dash for nothing. */
export function utc(instant: Date | null | undefined): string {
  return instant ? `${instant.toISOString().slice(0, 19).replace("T", " ")} UTC` : "—";
}

/** Wall time in `timeZone` with the zone named (see formatInZone); an unknown zone falls back to UTC. */
export function zoned(instant: Date, timeZone: string): string {
  try {
    return formatInZone(instant, timeZone);
  } catch {
    return utc(instant);
  }
}

/** Minor units as money; a malformed currency (e.g. from a metric label) still shows the number. */
export function money(amount: number, currency: string): string {
  try {
    return formatMoney({ amount, currency });
  } catch {
    return `${amount} ${currency}`;
  }
}

/** Minor units → major units as a plain number, for chart axes. */
export function majorUnits(amount: number, currency: string): number {
  try {
    return amount / 10 ** minorUnitDigits(currency);
  } catch {
    return amount / 100;
  }
}

export function percent(ratio: number | null): string {
  return ratio === null ? "—" : `${(ratio * 100).toFixed(1)} %`;
}

export function milliseconds(value: number | null): string {
  if (value === null) return "—";
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ms`;
}

export function humanStatus(status: string): string {
  return status.replace(/_/g, " ");
}

/** Compact JSON for detail cells; long values are cut so one odd row cannot blow up the table. */
export function compactJson(value: unknown, max = 240): string {
  const text = JSON.stringify(value ?? {});
  if (text === "{}" || text === "[]") return "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
