// Half-open instant intervals [start, end). Half-open so back-to-back bookings (10:00-11:00,
// 11:00-12:00) do not overlap and adjacent working ranges simply touch.
import { Temporal } from "@js-temporal/polyfill";

export interface Interval {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

const cmp = Temporal.Instant.compare;

export function isEmpty(i: Interval): boolean {
  return cmp(i.start, i.end) >= 0;
}

/** Empty intervals overlap nothing (a zero-length interval holds no instant). */
export function overlaps(a: Interval, b: Interval): boolean {
  if (isEmpty(a) || isEmpty(b)) return false;
  return cmp(a.start, b.end) < 0 && cmp(b.start, a.end) < 0;
}

/** `inner` lies entirely inside `outer` (boundaries included, as both are half-open). */
export function contains(outer: Interval, inner: Interval): boolean {
  return cmp(outer.start, inner.start) <= 0 && cmp(inner.end, outer.end) <= 0;
}

/** The time an appointment really occupies: its buffers before and after are exact minutes. */
export function widen(i: Interval, beforeMinutes: number, afterMinutes: number): Interval {
  return { start: i.start.subtract({ minutes: beforeMinutes }), end: i.end.add({ minutes: afterMinutes }) };
}

/**
 * Sorted by start, overlapping AND touching intervals coalesced, empty ones dropped.
 * Touching ones merge because working time 09:00-12:00 + 12:00-17:00 is one stretch.
 * The result is disjoint and sorted by both start and end, which the binary searches need.
 */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = list.filter((i) => !isEmpty(i)).sort((a, b) => cmp(a.start, b.start) || cmp(a.end, b.end));
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && cmp(i.start, last.end) <= 0) {
      if (cmp(i.end, last.end) > 0) out[out.length - 1] = { start: last.start, end: i.end };
    } else {
      out.push({ start: i.start, end: i.end });
    }
  }
  return out;
}

/** Index of the first interval in a merged list whose end is after `t`, or list.length. */
function firstEndingAfter(merged: readonly Interval[], t: Temporal.Instant): number {
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(merged[mid]!.end, t) > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Does `i` overlap any interval of `merged` (output of mergeIntervals)? O(log n): only the
 * first interval ending after i.start can be the earliest overlap, since ends are sorted.
 */
export function overlapsAnySorted(merged: readonly Interval[], i: Interval): boolean {
  if (isEmpty(i)) return false;
  const candidate = merged[firstEndingAfter(merged, i.start)];
  return candidate !== undefined && cmp(candidate.start, i.end) < 0;
}

/**
 * The interval of `merged` (output of mergeIntervals) that wholly contains `i`, if any.
 * O(log n). Because merged intervals are disjoint and non-touching, at most one can.
 */
export function findContaining(merged: readonly Interval[], i: Interval): Interval | undefined {
  // Only the first interval ending at or after i.end can contain i: earlier ones end too soon,
  // later ones start after the candidate's end (>= i.end), too late to hold i.
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(merged[mid]!.end, i.end) >= 0) hi = mid;
    else lo = mid + 1;
  }
  const candidate = merged[lo];
  return candidate !== undefined && contains(candidate, i) ? candidate : undefined;
}

// ---------------------------------------------------------------------------------------------
// The same operations on epoch-nanosecond bigints, for the availability engine's hot loops:
// reading epochNanoseconds from (or comparing) polyfill Instants costs microseconds each, bigint
// comparisons next to nothing. Same half-open semantics as above.

export interface NsInterval {
  start: bigint;
  end: bigint;
}

export function fromNsInterval(i: NsInterval): Interval {
  return { start: Temporal.Instant.fromEpochNanoseconds(i.start), end: Temporal.Instant.fromEpochNanoseconds(i.end) };
}

/** mergeIntervals on bigints: sorted, overlapping and touching ones coalesced, empty ones dropped. */
export function mergeNsIntervals(list: readonly NsInterval[]): NsInterval[] {
  const sorted = list
    .filter((i) => i.start < i.end)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  const out: NsInterval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) {
      if (i.end > last.end) out[out.length - 1] = { start: last.start, end: i.end };
    } else {
      out.push({ start: i.start, end: i.end });
    }
  }
  return out;
}

/** overlapsAnySorted on bigints: does [start, end) overlap any interval of a merged list? */
export function overlapsAnySortedNs(merged: readonly NsInterval[], start: bigint, end: bigint): boolean {
  if (start >= end) return false;
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (merged[mid]!.end > start) hi = mid;
    else lo = mid + 1;
  }
  const candidate = merged[lo];
  return candidate !== undefined && candidate.start < end;
}

/** findContaining on bigints: does one interval of a merged list wholly contain [start, end)? */
export function isContainedSortedNs(merged: readonly NsInterval[], start: bigint, end: bigint): boolean {
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (merged[mid]!.end >= end) hi = mid;
    else lo = mid + 1;
  }
  const candidate = merged[lo];
  return candidate !== undefined && candidate.start <= start && end <= candidate.end;
}
