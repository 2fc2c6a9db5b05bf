import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BOOKING_STATUSES,
  TRANSITIONS,
  assertActorMay,
  assertTransition,
  canTransition,
  replay,
  type Actor,
  type ActorType,
  type BookingStatus,
  type TransitionRecord,
} from "../../domain/booking-states";
import { isDomainError } from "../../domain/errors";

const ACTOR_TYPES: ActorType[] = ["customer", "guest", "provider", "admin", "system"];
const statusArb = fc.constantFrom(...BOOKING_STATUSES);
const actorArb = fc.constantFrom(...ACTOR_TYPES).map((type): Actor => ({ type, id: type === "system" || type === "guest" ? null : `${type}_1` }));
// Bias towards legal moves so runs get deep into the graph instead of bouncing off `pending`.
const attemptArb = fc.record({ actor: actorArb, to: statusArb, preferLegal: fc.boolean() });

interface Run {
  current: BookingStatus;
  trail: TransitionRecord[];
}

/** Applies attempts through the guards, exactly as the service layer would, recording successes. */
function simulate(attempts: Array<{ actor: Actor; to: BookingStatus; preferLegal: boolean }>, withActors: boolean): Run {
  const start = Date.UTC(2030, 0, 1);
  const trail: TransitionRecord[] = [
    { from: null, to: "pending", actor: { type: "customer", id: "c" }, reason: "created", at: new Date(start).toISOString() },
  ];
  let current: BookingStatus = "pending";
  attempts.forEach((attempt, i) => {
    const options = TRANSITIONS[current];
    // preferLegal picks a legal target deterministically from the random one, when there is one.
    const to =
      attempt.preferLegal && options.length > 0
        ? options[BOOKING_STATUSES.indexOf(attempt.to) % options.length]!
        : attempt.to;
    try {
      if (withActors) assertActorMay(attempt.actor, current, to);
      else assertTransition(current, to);
    } catch (error) {
      // A refused move must be refused for a domain reason and leave the state untouched.
      expect(isDomainError(error)).toBe(true);
      if (!withActors) expect(canTransition(current, to)).toBe(false);
      return;
    }
    // Accepted ⇒ the table allows it (the guard never lets a forbidden edge through).
    expect(TRANSITIONS[current]).toContain(to);
    trail.push({ from: current, to, actor: attempt.actor, reason: `step ${i}`, at: new Date(start + (i + 1) * 60_000).toISOString() });
    current = to;
  });
  return { current, trail };
}

const runArb = (withActors: boolean) =>
  fc.array(attemptArb, { maxLength: 30 }).map((attempts) => simulate(attempts, withActors));

describe("state machine properties", () => {
  it("random attempts through assertTransition only take table edges, and the trail replays to the current state", () => {
    fc.assert(
      fc.property(runArb(false), ({ current, trail }) => {
        expect(replay(trail)).toBe(current);
      }),
      { numRuns: 500 },
    );
  });

  it("the same holds with the actor policy in front", () => {
    fc.assert(
      fc.property(runArb(true), ({ current, trail }) => {
        expect(replay(trail)).toBe(current);
      }),
      { numRuns: 500 },
    );
  });

  it("once terminal, nothing moves the booking", () => {
    fc.assert(
      fc.property(runArb(false), fc.array(statusArb, { maxLength: 10 }), ({ current }, targets) => {
        fc.pre(TRANSITIONS[current].length === 0);
        for (const to of targets) expect(canTransition(current, to)).toBe(false);
      }),
    );
  });

  it("replay rejects a trail whose non-final record was edited", () => {
    fc.assert(
      fc.property(runArb(false), fc.nat(), statusArb, ({ trail }, pick, replacement) => {
        fc.pre(trail.length >= 2);
        const index = pick % (trail.length - 1); // not the last: its edit can be undetectable
        fc.pre(trail[index]!.to !== replacement);
        const tampered = trail.map((r, i) => (i === index ? { ...r, to: replacement } : r));
        expect(() => replay(tampered)).toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it("replay rejects a trail with a record removed from the middle or the start", () => {
    fc.assert(
      fc.property(runArb(false), fc.nat(), ({ trail }, pick) => {
        fc.pre(trail.length >= 2);
        const index = pick % (trail.length - 1);
        const tampered = trail.filter((_, i) => i !== index);
        expect(() => replay(tampered)).toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it("replay rejects a trail with two adjacent records swapped", () => {
    fc.assert(
      fc.property(runArb(false), fc.nat(), ({ trail }, pick) => {
        fc.pre(trail.length >= 2);
        const index = pick % (trail.length - 1);
        const tampered = [...trail];
        [tampered[index], tampered[index + 1]] = [tampered[index + 1]!, tampered[index]!];
        expect(() => replay(tampered)).toThrow();
      }),
      { numRuns: 500 },
    );
  });
});
