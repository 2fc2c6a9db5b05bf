// ISO 8601 instant text, read and written exactly as Temporal.Instant does, without the polyfill's
// cost on the common case. A booking's instants cross several boundaries as text (RPC to the
// provider's object, its schemas, its mirror, the audit rows), and the polyfill's from()/toString()
// cost several microseconds each (BigInt emulation), which a CPU profile of the booking storm showed
// as one of its largest items. The fast paths cover the text this app writes (UTC, "Z", whole
// milliseconds); anything else goes to Temporal, so the answers never differ (a property test
// compares both on random instants and strings).
import { Temporal } from "@js-temporal/polyfill";

/** UTC, "Z", seconds present, at most millisecond digits: the shape Date also reads exactly. */
const UTC_MILLIS_TEXT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(\d{1,3}))?Z$/;
/** Date.toISOString() gives Temporal's four-digit years only in 0000..9999. */
const FAST_FROM_MS = Date.parse("0000-01-01T00:00:00Z");
const FAST_UNTIL_MS = Date.parse("+010000-01-01T00:00:00Z");

/**
 * Epoch milliseconds of `text` as Temporal.Instant.from(text).epochMilliseconds, or null where
 * Temporal refuses the text.
 */
export function epochMsOfInstantText(text: string): number | null {
  const match = UTC_MILLIS_TEXT.exec(text);
  if (match) {
    const ms = Date.parse(text);
    // Date rolls impossible fields over (02-30 → 03-02, 24:00 → next day); the round trip catches that.
    const fraction = (match[1] ?? "").padEnd(3, "0");
    if (Number.isFinite(ms) && new Date(ms).toISOString() === `${text.slice(0, 19)}.${fraction}Z`) return ms;
  }
  try {
    return Temporal.Instant.from(text).epochMilliseconds;
  } catch {
    return null;
  }
}

const written = new WeakMap<Temporal.Instant, string>();

/** instant.toString(), remembered per instant (the same instants are written several times per request). */
export function instantText(instant: Temporal.Instant): string {
  let text = written.get(instant);
  if (text === undefined) {
    text = writeInstant(instant);
    written.set(instant, text);
  }
  return text;
}

function writeInstant(instant: Temporal.Instant): string {
  const ns = instant.epochNanoseconds;
  if (ns % 1_000_000n === 0n) {
    const ms = Number(ns / 1_000_000n);
    if (ms >= FAST_FROM_MS && ms < FAST_UNTIL_MS) {
      const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:mm:ss.sssZ
      // Temporal drops a zero fraction and trailing zeros of the fraction.
      const fraction = iso.slice(20, 23).replace(/0+$/, "");
      return fraction ? `${iso.slice(0, 19)}.${fraction}Z` : `${iso.slice(0, 19)}Z`;
    }
  }
  return instant.toString();
}
