import { describe, expect, it } from "vitest";
import {
  ACTOR_MOVES,
  BOOKING_STATUSES,
  OCCUPYING_STATUSES,
  TERMINAL_STATUSES,
  TRANSITIONS,
  assertActorMay,
  assertTransition,
  canTransition,
  occupiesTime,
  replay,
  type Actor,
  type ActorType,
  type BookingStatus,
  type TransitionRecord,
} from "../../domain/booking-states";
import { DomainError, isDomainError } from "../../domain/errors";

// Written out independently of the module so a typo in TRANSITIONS fails here.
const EXPECTED: Array<[BookingStatus, BookingStatus]> = [
  ["pending", "payment_failed"],
  ["pending", "confirmed"],
  ["pending", "cancelled"],
  ["pending", "awaiting_approval"],
  ["pending", "expired"],
  ["payment_failed", "pending"],
  ["payment_failed", "cancelled"],
  ["payment_failed", "expired"],
  ["awaiting_approval", "confirmed"],
  ["awaiting_approval", "cancelled"],
  ["awaiting_approval", "expired"],
  ["confirmed", "in_progress"],
  ["confirmed", "cancelled"],
  ["confirmed", "no_show"],
  ["in_progress", "completed"],
  ["in_progress", "cancelled"],
  ["completed", "refunded"],
  ["cancelled", "refunded"],
  ["no_show", "refunded"],
];
const allowed = new Set(EXPECTED.map(([f, t]) => `${f}->${t}`));
const ALL_PAIRS = BOOKING_STATUSES.flatMap((from) => BOOKING_STATUSES.map((to) => [from, to] as const));
const FORBIDDEN = ALL_PAIRS.filter(([f, t]) => !allowed.has(`${f}->${t}`));

function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("transition table", () => {
  it.each(EXPECTED)("allows %s → %s", (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it("has exactly the expected edges", () => {
    const actual = BOOKING_STATUSES.flatMap((f) => TRANSITIONS[f].map((t) => `${f}->${t}`)).sort();
    expect(actual).toEqual([...allowed].sort());
  });

  // Every forbidden pair (81 of them), not a sample: the matrix is small.
  it.each(FORBIDDEN)("forbids %s → %s", (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    const error = thrown(() => assertTransition(from, to));
    expect(error.code).toBe("ILLEGAL_TRANSITION");
    expect(error.message).toBe(`Cannot move a booking from ${from} to ${to}`);
    expect(error.details).toEqual({ from, to, allowed: [...TRANSITIONS[from]] });
  });

  it.each([
    ["refunded", "pending"],
    ["expired", "pending"],
    ["expired", "refunded"],
    ["cancelled", "confirmed"],
    ["completed", "cancelled"],
    ["awaiting_approval", "payment_failed"],
    ["pending", "pending"],
    ["confirmed", "completed"],
  ] as const)("names the allowed moves when refusing %s → %s", (from, to) => {
    expect(thrown(() => assertTransition(from, to)).details.allowed).toEqual([...TRANSITIONS[from]]);
  });

  it("rejects unknown statuses (DB strings) without crashing", () => {
    expect(canTransition("bogus" as BookingStatus, "pending")).toBe(false);
    expect(canTransition("pending", "bogus" as BookingStatus)).toBe(false);
    expect(thrown(() => assertTransition("bogus" as BookingStatus, "pending")).details.allowed).toEqual([]);
  });

  it("terminal statuses are exactly refunded and expired", () => {
    expect([...TERMINAL_STATUSES].sort()).toEqual(["expired", "refunded"]);
  });

  it("occupying statuses match the exclusion constraint", () => {
    expect([...OCCUPYING_STATUSES].sort()).toEqual(
      ["awaiting_approval", "completed", "confirmed", "in_progress", "pending"].sort(),
    );
    for (const s of BOOKING_STATUSES) expect(occupiesTime(s)).toBe(OCCUPYING_STATUSES.includes(s));
    expect(occupiesTime("payment_failed")).toBe(false);
    expect(occupiesTime("expired")).toBe(false);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(TRANSITIONS)).toBe(true);
    expect(Object.isFrozen(TRANSITIONS.pending)).toBe(true);
  });
});

const at = (minute: number) => new Date(Date.UTC(2030, 0, 1, 0, minute)).toISOString();
const sys: Actor = { type: "system", id: null };
const rec = (from: BookingStatus | null, to: BookingStatus, minute: number): TransitionRecord => ({
  from,
  to,
  actor: sys,
  reason: "test",
  at: at(minute),
});

describe("replay", () => {
  const trail = [
    rec(null, "pending", 0),
    rec("pending", "payment_failed", 1),
    rec("payment_failed", "pending", 2),
    rec("pending", "confirmed", 3),
    rec("confirmed", "cancelled", 4),
    rec("cancelled", "refunded", 5),
  ];

  it("folds a legal trail to its final status", () => {
    expect(replay(trail)).toBe("refunded");
    expect(replay(trail.slice(0, 1))).toBe("pending");
    expect(replay(trail.slice(0, 4))).toBe("confirmed");
  });

  it("accepts offsets other than Z and non-monotonic clocks", () => {
    expect(replay([rec(null, "pending", 5), { ...rec("pending", "expired", 0), at: "2030-01-01T02:00:00+02:00" }])).toBe(
      "expired",
    );
  });

  it("rejects an empty trail", () => {
    expect(thrown(() => replay([])).code).toBe("ILLEGAL_TRANSITION");
  });

  it("rejects a trail that does not start with creation", () => {
    expect(thrown(() => replay([rec("pending", "confirmed", 0)])).code).toBe("ILLEGAL_TRANSITION");
    expect(thrown(() => replay([rec(null, "confirmed", 0)])).code).toBe("ILLEGAL_TRANSITION");
  });

  it("rejects a second creation record", () => {
    expect(thrown(() => replay([rec(null, "pending", 0), rec(null, "pending", 1)])).details.index).toBe(1);
  });

  it("rejects a gap (record does not start where the last ended)", () => {
    const gapped = [trail[0]!, trail[1]!, trail[3]!];
    const error = thrown(() => replay(gapped));
    expect(error.code).toBe("ILLEGAL_TRANSITION");
    expect(error.details).toMatchObject({ index: 2, expected: "payment_failed", from: "pending" });
  });

  it("rejects an illegal step even when it chains", () => {
    const error = thrown(() => replay([rec(null, "pending", 0), rec("pending", "completed", 1)]));
    expect(error.code).toBe("ILLEGAL_TRANSITION");
    expect(error.details.index).toBe(1);
  });

  it("rejects a bad timestamp", () => {
    const error = thrown(() => replay([{ ...rec(null, "pending", 0), at: "yesterday" }]));
    expect(error.code).toBe("VALIDATION");
    expect(thrown(() => replay([{ ...rec(null, "pending", 0), at: "2030-01-01T00:00:00" }])).code).toBe(
      "VALIDATION",
    ); // no offset: not an instant
  });
});

describe("who may move a booking", () => {
  const customer: Actor = { type: "customer", id: "cus_1" };
  const guest: Actor = { type: "guest", id: null };
  const provider: Actor = { type: "provider", id: "prov_1" };
  const admin: Actor = { type: "admin", id: "adm_1" };
  const actors: Record<ActorType, Actor> = { customer, guest, provider, admin, system: sys };

  const ALLOWED: Array<[ActorType, BookingStatus, BookingStatus]> = [
    ["customer", "pending", "cancelled"],
    ["customer", "awaiting_approval", "cancelled"],
    ["customer", "confirmed", "cancelled"],
    ["customer", "payment_failed", "pending"],
    ["customer", "payment_failed", "cancelled"],
    ["guest", "pending", "cancelled"],
    ["guest", "awaiting_approval", "cancelled"],
    ["guest", "confirmed", "cancelled"],
    ["provider", "awaiting_approval", "confirmed"],
    ["provider", "awaiting_approval", "cancelled"],
    ["provider", "confirmed", "in_progress"],
    ["provider", "confirmed", "no_show"],
    ["provider", "confirmed", "cancelled"],
    ["provider", "in_progress", "completed"],
    ["provider", "in_progress", "cancelled"],
    ["system", "pending", "awaiting_approval"],
    ["system", "pending", "confirmed"],
    ["system", "pending", "payment_failed"],
    ["system", "pending", "expired"],
    ["system", "payment_failed", "expired"],
    ["system", "awaiting_approval", "expired"],
    ["system", "completed", "refunded"],
    ["system", "cancelled", "refunded"],
    ["system", "no_show", "refunded"],
  ];

  it.each(ALLOWED)("%s may move %s → %s", (type, from, to) => {
    expect(() => assertActorMay(actors[type], from, to)).not.toThrow();
  });

  it.each([
    ["customer", "confirmed", "in_progress"],
    ["customer", "awaiting_approval", "confirmed"], // can't approve their own booking
    ["customer", "pending", "confirmed"], // only a payment can confirm
    ["customer", "in_progress", "cancelled"],
    ["customer", "cancelled", "refunded"],
    ["guest", "confirmed", "no_show"],
    ["provider", "pending", "confirmed"],
    ["provider", "pending", "cancelled"],
    ["provider", "cancelled", "refunded"],
    ["provider", "awaiting_approval", "expired"],
    ["system", "confirmed", "cancelled"],
    ["system", "awaiting_approval", "confirmed"], // acceptance is the provider's call
  ] as const)("%s may not move %s → %s (FORBIDDEN)", (type, from, to) => {
    const error = thrown(() => assertActorMay(actors[type], from, to));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.details).toMatchObject({ actor: type, from, to });
  });

  it("admin may make every legal move", () => {
    for (const [from, to] of EXPECTED) expect(() => assertActorMay(admin, from, to)).not.toThrow();
  });

  it("an illegal move is ILLEGAL_TRANSITION for everyone, admin included", () => {
    for (const actor of Object.values(actors)) {
      expect(isDomainError(thrown(() => assertActorMay(actor, "refunded", "pending")), "ILLEGAL_TRANSITION")).toBe(true);
    }
  });

  it("fails closed on an unidentified customer, provider or admin", () => {
    expect(thrown(() => assertActorMay({ type: "customer", id: null }, "pending", "cancelled")).code).toBe("FORBIDDEN");
    expect(thrown(() => assertActorMay({ type: "provider", id: "" }, "confirmed", "in_progress")).code).toBe(
      "FORBIDDEN",
    );
    expect(thrown(() => assertActorMay({ type: "admin", id: null }, "pending", "cancelled")).code).toBe("FORBIDDEN");
  });

  it("every actor permission is a legal edge, and every legal edge has a non-admin actor", () => {
    const covered = new Set<string>();
    for (const [type, moves] of Object.entries(ACTOR_MOVES)) {
      for (const [from, tos] of Object.entries(moves)) {
        for (const to of tos ?? []) {
          expect(canTransition(from as BookingStatus, to), `${type}: ${from}->${to}`).toBe(true);
          if (type !== "admin") covered.add(`${from}->${to}`);
        }
      }
    }
    expect([...covered].sort()).toEqual([...allowed].sort());
  });
});
