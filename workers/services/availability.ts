// Availability: loads exactly the data the pure engine needs for one window (provider zone, weekly
// rules, that window's overrides, the occupied intervals intersecting it, live holds from the
// provider's schedule) and hands it to domain/availability.ts. Also used by booking creation and
// rescheduling for the early bookability check and for the alternatives of a 409.
import { Temporal } from "@js-temporal/polyfill";
import {
  type ServiceTiming,
  type Slot,
  ALTERNATIVES_HORIZON_DAYS,
  computeSlots,
  isSlotBookable,
  nearestAlternatives,
} from "../../domain/availability";
import { DomainError } from "../../domain/errors";
import type { Interval } from "../../domain/intervals";
import { localDateOf, startOfLocalDay } from "../../domain/time";
import type { Queryable } from "../../db/client";
import {
  findProviderService,
  loadOccupiedIntervals,
  loadOverrides,
  loadWeeklyRules,
  type ProviderRow,
  type ServiceRow,
} from "../../db/queries/availability";
import { logEvent, resolveDeps, toDate, toInstant, type ServiceDeps } from "./context";
import type { EngineData, SchedulePort } from "./ports";

/** Longest window one availability query may cover, in calendar days of the customer's zone. */
export const MAX_WINDOW_DAYS = 62;
/** How many alternatives a 409 SLOT_UNAVAILABLE carries. */
export const ALTERNATIVES_COUNT = 5;

export interface SlotJson {
  start: string;
  end: string;
  startCustomer: string;
  startProvider: string;
  endCustomer: string;
  endProvider: string;
}

export function slotJson(slot: Slot): SlotJson {
  return {
    start: slot.startUtc,
    end: slot.endUtc,
    startCustomer: slot.startCustomer,
    startProvider: slot.startProvider,
    endCustomer: slot.endCustomer,
    endProvider: slot.endProvider,
  };
}

export function timingOf(service: ServiceRow): ServiceTiming {
  return {
    durationMinutes: service.durationMinutes,
    bufferBeforeMinutes: service.bufferBeforeMinutes,
    bufferAfterMinutes: service.bufferAfterMinutes,
    slotIntervalMinutes: service.slotIntervalMinutes,
    minNoticeMinutes: service.minNoticeMinutes,
    bookingWindowDays: service.bookingWindowDays,
  };
}

/**
 * The timing a booking was made with: its own duration and buffers (read back from its stored interval,
 * so later service edits do not change an existing booking), the service's current grid and limits.
 */
export function bookingTiming(
  service: ServiceRow,
  booking: { startsAt: Date; endsAt: Date; occupiedFrom: Date; occupiedUntil: Date },
): ServiceTiming {
  const minutes = (a: Date, b: Date) => Math.max(0, Math.round((b.getTime() - a.getTime()) / 60_000));
  return {
    ...timingOf(service),
    durationMinutes: Math.max(1, minutes(booking.startsAt, booking.endsAt)),
    bufferBeforeMinutes: minutes(booking.occupiedFrom, booking.startsAt),
    bufferAfterMinutes: minutes(booking.endsAt, booking.occupiedUntil),
  };
}

function validation(path: string, message: string): DomainError {
  return new DomainError("VALIDATION", `${path}: ${message}`, { fields: [{ path, message }] });
}

// ---------------------------------------------------------------------------------------------
// Window parsing

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function parseBound(value: string, zone: string, field: "from" | "to"): Temporal.Instant {
  if (DATE_RE.test(value)) {
    let date: Temporal.PlainDate;
    try {
      date = Temporal.PlainDate.from(value, { overflow: "reject" });
    } catch {
      throw validation(field, `is not a calendar date: ${value}`);
    }
    // A `to` date is inclusive: from=2026-03-01&to=2026-03-31 is the whole of March in the customer's zone.
    return startOfLocalDay(field === "to" ? date.add({ days: 1 }) : date, zone);
  }
  try {
    return Temporal.Instant.from(value);
  } catch {
    throw validation(field, "must be a date (YYYY-MM-DD) or an instant with an offset (2026-03-01T09:00:00Z)");
  }
}

/**
 * from/to of the public API → [from, to) instants. Dates are read in `zone` (the customer's), a `to`
 * date including its whole day; instants are taken as they are. At most MAX_WINDOW_DAYS calendar days
 * in `zone` (DST-correct: 62 days across a clock change are 62 days, not 62 × 24 h).
 */
export function resolveWindow(from: string, to: string, zone: string): { from: Temporal.Instant; to: Temporal.Instant } {
  const start = parseBound(from, zone, "from");
  const end = parseBound(to, zone, "to");
  if (Temporal.Instant.compare(start, end) >= 0) throw validation("to", "must be after from");
  const limit = start.toZonedDateTimeISO(zone).add({ days: MAX_WINDOW_DAYS }).toInstant();
  if (Temporal.Instant.compare(end, limit) > 0) throw validation("to", `the window may cover at most ${MAX_WINDOW_DAYS} days`);
  return { from: start, to: end };
}

// ---------------------------------------------------------------------------------------------
// Loading engine input

export type { EngineData } from "./ports";

/**
 * What decides slots that START in [from, to): occupied time reaching back by the buffer before and
 * forward by duration + buffer after, and the provider-local dates around it (one local day of margin
 * on each side: working ranges are per local day and may touch across midnight).
 */
export function engineReach(timing: ServiceTiming, from: Temporal.Instant, to: Temporal.Instant, zone: string): { window: Interval; firstDate: string; lastDate: string } {
  const reachFrom = from.subtract({ minutes: timing.bufferBeforeMinutes });
  const reachTo = to.add({ minutes: timing.durationMinutes + timing.bufferAfterMinutes });
  return {
    window: { start: reachFrom, end: reachTo },
    firstDate: localDateOf(reachFrom, zone).subtract({ days: 1 }).toString(),
    lastDate: localDateOf(reachTo, zone).add({ days: 1 }).toString(),
  };
}

/**
 * Engine input for judging slots that START in [from, to): overrides of the provider-local dates around
 * it and occupied time reaching back by the buffer before and forward by duration + buffer after.
 * Holds come from the schedule port; if it is unreachable we fall back to Postgres alone (the
 * constraint still guarantees no double booking), logging the failure.
 */
export async function loadEngineData(
  db: Queryable,
  port: SchedulePort,
  args: {
    provider: ProviderRow;
    timing: ServiceTiming;
    from: Temporal.Instant;
    to: Temporal.Instant;
    excludeBookingId?: string;
    includeHolds?: boolean;
  },
): Promise<EngineData> {
  const { provider, timing } = args;
  const local = await port.local?.engineData({ ...args, providerId: provider.id, includeHolds: args.includeHolds !== false });
  if (local) return local;
  const zone = provider.timeZone;
  const { window, firstDate, lastDate } = engineReach(timing, args.from, args.to, zone);
  const reachFrom = window.start;
  const reachTo = window.end;

  const [weekly, overrides, occupiedRows, holds] = await Promise.all([
    loadWeeklyRules(db, provider.id),
    loadOverrides(db, provider.id, firstDate, lastDate),
    loadOccupiedIntervals(db, provider.id, toDate(reachFrom), toDate(reachTo), { excludeBookingId: args.excludeBookingId }),
    args.includeHolds === false ? Promise.resolve([]) : liveHoldsOrNothing(port, provider.id, window),
  ]);
  const occupied: Interval[] = occupiedRows.map((row) => ({ start: toInstant(row.occupiedFrom), end: toInstant(row.occupiedUntil) }));
  return { providerZone: zone, weekly, overrides, service: timing, occupied: [...occupied, ...holds] };
}

async function liveHoldsOrNothing(port: SchedulePort, providerId: string, window: Interval): Promise<Interval[]> {
  try {
    return await port.liveHolds(providerId, window);
  } catch (error) {
    logEvent("schedule.holds_unavailable", { providerId, message: error instanceof Error ? error.message : String(error) });
    return [];
  }
}

/** Active provider + active service offered by it, or NOT_FOUND / VALIDATION naming the field. */
export async function loadBookableService(
  db: Queryable,
  providerId: string,
  serviceId: string,
  port?: SchedulePort,
): Promise<{ provider: ProviderRow; service: ServiceRow }> {
  const found = (await port?.local?.bookableService(providerId, serviceId)) ?? (await findProviderService(db, providerId, serviceId));
  if (!found || !found.provider.isActive || !found.service.isActive) {
    throw new DomainError("NOT_FOUND", "No such service for this provider", { fields: [{ path: "serviceId", message: "not found for this provider" }] });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Public operations

export interface AvailabilityQuery {
  providerId: string;
  serviceId: string;
  from: Temporal.Instant;
  to: Temporal.Instant;
  customerZone: string;
}

export interface AvailabilityResult {
  providerId: string;
  serviceId: string;
  timeZone: string;
  providerTimeZone: string;
  from: string;
  to: string;
  durationMinutes: number;
  /**
   * The service's buffers: a slot occupies [start - before, end + after). A page that applies live
   * slot.held/slot.booked events itself (their intervals are occupied ranges) hides every slot whose
   * occupied range overlaps one, without asking again.
   */
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  slots: SlotJson[];
  /**
   * Present (true) when the provider's object answered from what it knew while Postgres could not be
   * read: the slots may include time booked since.
   */
  stale?: true;
}

/** The answer's envelope around computed slots. */
export function availabilityResult(
  provider: Pick<ProviderRow, "id" | "timeZone">,
  service: Pick<ServiceRow, "id" | "durationMinutes" | "bufferBeforeMinutes" | "bufferAfterMinutes">,
  query: { from: Temporal.Instant; to: Temporal.Instant; customerZone: string },
  slots: Slot[],
): AvailabilityResult {
  return {
    providerId: provider.id,
    serviceId: service.id,
    timeZone: query.customerZone,
    providerTimeZone: provider.timeZone,
    from: query.from.toString(),
    to: query.to.toString(),
    durationMinutes: service.durationMinutes,
    bufferBeforeMinutes: service.bufferBeforeMinutes,
    bufferAfterMinutes: service.bufferAfterMinutes,
    slots: slots.map(slotJson),
  };
}

export async function getAvailability(db: Queryable, query: AvailabilityQuery, deps: ServiceDeps = {}): Promise<AvailabilityResult> {
  const { port, now } = resolveDeps(deps);
  const limit = query.from.toZonedDateTimeISO(query.customerZone).add({ days: MAX_WINDOW_DAYS }).toInstant();
  if (Temporal.Instant.compare(query.to, limit) > 0) throw validation("to", `the window may cover at most ${MAX_WINDOW_DAYS} days`);
  if (Temporal.Instant.compare(query.from, query.to) >= 0) throw validation("to", "must be after from");

  const { provider, service } = await loadBookableService(db, query.providerId, query.serviceId, port);
  const timing = timingOf(service);
  const data = await loadEngineData(db, port, { provider, timing, from: query.from, to: query.to });
  const slots = computeSlots({ ...data, now: now(), from: query.from, to: query.to, customerZone: query.customerZone });
  return availabilityResult(provider, service, query, slots);
}

/** The engine's rules for one start, on data loaded around it (holds excluded: the caller claims them). */
export async function checkBookable(
  db: Queryable,
  port: SchedulePort,
  args: { provider: ProviderRow; timing: ServiceTiming; start: Temporal.Instant; now: Temporal.Instant; excludeBookingId?: string },
): Promise<boolean> {
  const data = await loadEngineData(db, port, {
    provider: args.provider,
    timing: args.timing,
    from: args.start,
    to: args.start.add({ nanoseconds: 1 }),
    excludeBookingId: args.excludeBookingId,
    includeHolds: false,
  });
  return isSlotBookable({ ...data, now: args.now }, args.start);
}

/**
 * Nearest free slots to `wanted` from fresh data (wanted's provider-local day first, then the next
 * ALTERNATIVES_HORIZON_DAYS days), live holds counted as taken.
 */
export async function alternativesFor(
  db: Queryable,
  port: SchedulePort,
  args: {
    provider: ProviderRow;
    timing: ServiceTiming;
    wanted: Temporal.Instant;
    customerZone: string;
    now: Temporal.Instant;
    excludeBookingId?: string;
  },
): Promise<SlotJson[]> {
  const zone = args.provider.timeZone;
  const compute = async () => {
    const day = localDateOf(args.wanted, zone);
    const data = await loadEngineData(db, port, {
      provider: args.provider,
      timing: args.timing,
      from: startOfLocalDay(day, zone),
      to: startOfLocalDay(day.add({ days: ALTERNATIVES_HORIZON_DAYS + 1 }), zone),
      excludeBookingId: args.excludeBookingId,
    });
    return nearestAlternatives({ ...data, now: args.now, customerZone: args.customerZone }, args.wanted, ALTERNATIVES_COUNT).map(slotJson);
  };
  // Many losers of one contested time ask for the same alternatives at once (the hot-slot storm).
  const key = JSON.stringify([args.provider.id, args.timing, args.wanted.toString(), args.customerZone, args.excludeBookingId ?? null]);
  return port.local ? port.local.memo(`alternatives:${key}`, compute) : compute();
}

/** The 409 every "that time is taken" path answers with. */
export function slotUnavailable(wanted: Temporal.Instant, alternatives: SlotJson[], message = "That time is no longer available"): DomainError {
  return new DomainError("SLOT_UNAVAILABLE", message, { wanted: wanted.toString(), alternatives });
}
