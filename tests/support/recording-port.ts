// A schedule port for node tests: no live holds and every claim granted unless `overrides` says
// otherwise, and each reported change kept in `changes` so a test can check what the schedule (and
// the mail that hangs on it) was told.
import type { BookingChange, SchedulePort } from "../../workers/services/ports";

export function recordingPort(overrides: Partial<Pick<SchedulePort, "liveHolds" | "claimForBooking">> = {}): { port: SchedulePort; changes: BookingChange[] } {
  const changes: BookingChange[] = [];
  const port: SchedulePort = {
    liveHolds: async () => [],
    claimForBooking: async () => ({ ok: true }),
    ...overrides,
    bookingChanged: async (_providerId, change) => {
      changes.push(change);
    },
  };
  return { port, changes };
}
