// Time limits written as ISO-8601 durations ("PT10M", "P7D") and read into Temporal.Duration, for
// configuration (workers/env.ts) and anything else that takes a length of time as text.
//
// Two kinds, because a day is not a fixed length and Temporal keeps the two apart:
//  * "exact": hours, minutes and whole seconds only. Added to a Temporal.Instant, which refuses days
//    (a day is 23, 24 or 25 hours depending on the zone and date). "P1D" is therefore refused with a
//    hint to write PT24H, so nobody has to guess which day length was meant.
//  * "days": whole days or weeks only (P7D, P1W = P7D). Added to a ZonedDateTime, i.e. counted as
//    calendar days in some zone, so the wall-clock time stays the same across a DST change. Time parts
//    are refused (P1DT12H would mix both meanings); months and years too (their length varies and
//    the bounds below are in days).
// Negative durations are always refused. Bounds are inclusive.
import { Temporal } from "@js-temporal/polyfill";
import { z } from "zod";

export type DurationKind = "exact" | "days";

export interface DurationSpec {
  kind: DurationKind;
  /** Inclusive bounds, as ISO-8601 durations of the same kind. */
  min: string;
  max: string;
  /** Shown in the error message: "must be an ISO-8601 duration such as <example>". */
  example: string;
}

export type DurationParse = { ok: true; duration: Temporal.Duration } | { ok: false; message: string };

/** Whole days of a days-kind duration (weeks count 7). */
function daysOf(duration: Temporal.Duration): number {
  return duration.weeks * 7 + duration.days;
}

function secondsOf(duration: Temporal.Duration): number {
  return duration.total({ unit: "seconds" });
}

/** The unit check of a kind, or null when the duration fits it. */
function unitProblem(duration: Temporal.Duration, spec: DurationSpec): string | null {
  const { years, months, hours, minutes, seconds, milliseconds, microseconds, nanoseconds } = duration;
  if (spec.kind === "exact") {
    if (years || months || duration.weeks || duration.days) {
      return `must use hours, minutes and seconds only, such as ${spec.example} (PT24H rather than P1D): it is added to instants, where a day has no fixed length`;
    }
    if (milliseconds || microseconds || nanoseconds) return `must be whole seconds, such as ${spec.example}`;
    return null;
  }
  if (years || months || hours || minutes || seconds || milliseconds || microseconds || nanoseconds) {
    return `must be whole days or weeks, such as ${spec.example}: it counts calendar days`;
  }
  return null;
}

/** Compares two durations that passed unitProblem for `kind`. */
function compareOf(kind: DurationKind, a: Temporal.Duration, b: Temporal.Duration): number {
  const x = kind === "exact" ? secondsOf(a) : daysOf(a);
  const y = kind === "exact" ? secondsOf(b) : daysOf(b);
  return Math.sign(x - y);
}

/**
 * Reads `text` as an ISO-8601 duration of `spec.kind` within [spec.min, spec.max]. A days-kind result
 * is given in days only (P1W becomes P7D); an exact one as written (PT90M stays PT90M).
 */
export function parseDuration(text: unknown, spec: DurationSpec): DurationParse {
  const shape = `must be an ISO-8601 duration such as ${spec.example}`;
  if (typeof text !== "string" || text.trim() === "" || text.length > 64) return { ok: false, message: shape };
  let duration: Temporal.Duration;
  try {
    duration = Temporal.Duration.from(text.trim());
  } catch {
    return { ok: false, message: shape };
  }
  if (duration.sign < 0) return { ok: false, message: `${shape} (not negative)` };
  const problem = unitProblem(duration, spec);
  if (problem) return { ok: false, message: problem };
  const min = Temporal.Duration.from(spec.min);
  const max = Temporal.Duration.from(spec.max);
  if (compareOf(spec.kind, duration, min) < 0 || compareOf(spec.kind, duration, max) > 0) {
    return { ok: false, message: `must be between ${spec.min} and ${spec.max}` };
  }
  return { ok: true, duration: spec.kind === "days" ? Temporal.Duration.from({ days: daysOf(duration) }) : duration };
}

/**
 * A zod schema for a duration setting: text in, Temporal.Duration out, `fallback` when absent. The
 * messages name no variable; zod's issue path does (loadConfig prints "HOLD_TTL must be …").
 */
export function durationSetting(spec: DurationSpec & { fallback: string }) {
  if (!parseDuration(spec.fallback, spec).ok) throw new Error(`durationSetting: the fallback ${spec.fallback} breaks its own spec`);
  return z
    .unknown()
    .optional() // an absent key is allowed (the fallback applies), not "required"
    .transform((value, ctx) => {
      const parsed = parseDuration(value === undefined || value === "" ? spec.fallback : value, spec);
      if (parsed.ok) return parsed.duration;
      ctx.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    });
}

/** A whole number of seconds of an exact duration (for APIs that speak seconds, such as hold TTLs). */
export function wholeSeconds(duration: Temporal.Duration): number {
  return Math.floor(secondsOf(duration));
}
