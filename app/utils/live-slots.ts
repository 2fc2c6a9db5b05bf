// What the slot picker does with a live event, as pure functions (no I/O, no React), so the rule is
// unit-tested apart from the page: an event that occupies time (slot.held, slot.booked, the new time of
// slot.rescheduled) hides every shown slot it collides with, on the spot; events that free time are
// answered by asking the server again (see useLiveSlots), because only the server knows what else
// still blocks that time.
//
// Collision is the engine's rule (domain/availability.ts): a slot [start, end) occupies
// [start - bufferBefore, end + bufferAfter), and it is offered only while that range overlaps no
// occupied range. Event intervals already are occupied ranges (with the other booking's buffers).
// Buffers are exact durations on the time line (no wall clock is involved), so instants are compared
// as epoch milliseconds.

export interface ShownSlot {
  start: string;
  end: string;
  startCustomer: string;
}

export interface DayOfSlots<S extends ShownSlot = ShownSlot> {
  date: string;
  slots: S[];
}

export interface SlotBuffers {
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
}

export interface OccupiedRange {
  occupiedFrom: string;
  occupiedUntil: string;
}

const MINUTE_MS = 60_000;

export function collides(slot: Pick<ShownSlot, "start" | "end">, buffers: SlotBuffers, range: OccupiedRange): boolean {
  const from = Date.parse(slot.start) - buffers.bufferBeforeMinutes * MINUTE_MS;
  const until = Date.parse(slot.end) + buffers.bufferAfterMinutes * MINUTE_MS;
  return from < Date.parse(range.occupiedUntil) && until > Date.parse(range.occupiedFrom);
}

/** The days without the slots `range` collides with; the same array when nothing changes (no re-render). */
export function withoutCollisions<S extends ShownSlot>(days: DayOfSlots<S>[], buffers: SlotBuffers, range: OccupiedRange): DayOfSlots<S>[] {
  return keepSlots(days, (slot) => !collides(slot, buffers, range));
}

/** The days without the slot that starts at `start` (a hold the server just refused). */
export function withoutStart<S extends ShownSlot>(days: DayOfSlots<S>[], start: string): DayOfSlots<S>[] {
  const at = Date.parse(start);
  return keepSlots(days, (slot) => Date.parse(slot.start) !== at);
}

function keepSlots<S extends ShownSlot>(days: DayOfSlots<S>[], keep: (slot: S) => boolean): DayOfSlots<S>[] {
  let changed = false;
  const next = days.map((day) => {
    const kept = day.slots.filter(keep);
    if (kept.length === day.slots.length) return day;
    changed = true;
    return { ...day, slots: kept };
  });
  return changed ? next : days;
}

/** Slots grouped under the given customer-local dates (YYYY-MM-DD), in the order given. */
export function groupByDay<S extends ShownSlot>(dates: readonly string[], slots: readonly S[]): DayOfSlots<S>[] {
  const byDay = new Map<string, S[]>(dates.map((date) => [date, []]));
  for (const slot of slots) byDay.get(slot.startCustomer.slice(0, 10))?.push(slot);
  return dates.map((date) => ({ date, slots: byDay.get(date) ?? [] }));
}

/** The slots of an availability answer, or null when the body is not one. */
export function readSlots(body: unknown): ShownSlot[] | null {
  if (typeof body !== "object" || body === null || !("slots" in body) || !Array.isArray(body.slots)) return null;
  const slots: unknown[] = body.slots;
  const valid = slots.every(
    (slot) =>
      typeof slot === "object" &&
      slot !== null &&
      "start" in slot &&
      typeof slot.start === "string" &&
      "end" in slot &&
      typeof slot.end === "string" &&
      "startCustomer" in slot &&
      typeof slot.startCustomer === "string",
  );
  return valid ? (slots as ShownSlot[]) : null;
}
