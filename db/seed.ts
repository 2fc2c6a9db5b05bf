// Demo data for `npm run dev`: providers in zones with and without daylight saving and with a
// non-hour offset, several services each, weekly hours, a few bookings, and one login per role.
// Runs only on an empty database, so a developer's own data survives restarts.
import { Temporal } from "@js-temporal/polyfill";
import { count, eq as sqlEq } from "drizzle-orm";
import { DEFAULT_CANCELLATION_POLICY } from "../domain/cancellation-policy";
import { money } from "../domain/money";
import { splitPlatformFee } from "../domain/pricing";
import { hashPassword } from "../workers/auth/password";
import type { Database } from "./client";
import { availabilityOverrides, availabilityRules, bookingStateTransitions, bookings, providers, services, users } from "./schema";

export const DEMO_PASSWORD = "demo-password-2026";
export const DEMO_LOGINS = [
  { role: "admin", email: "admin@example.com" },
  { role: "provider", email: "ana@example.com" },
  { role: "customer", email: "casey@example.com" },
] as const;

interface DemoProvider {
  slug: string;
  displayName: string;
  email: string;
  headline: string;
  timeZone: string;
  /** weekday (1 = Monday) → local ranges */
  hours: Record<number, Array<[string, string]>>;
  services: Array<{
    name: string;
    category: string;
    description: string;
    durationMinutes: number;
    priceAmount: number;
    currency: string;
    bufferBeforeMinutes?: number;
    bufferAfterMinutes?: number;
    slotIntervalMinutes?: number;
    requiresApproval?: boolean;
  }>;
}

const weekdays = (ranges: Array<[string, string]>) => ({ 1: ranges, 2: ranges, 3: ranges, 4: ranges, 5: ranges });

export const DEMO_PROVIDERS: DemoProvider[] = [
  {
    slug: "ana-hair-studio",
    displayName: "Ana's Hair Studio",
    email: "ana@example.com",
    headline: "Cuts and colour in Brooklyn",
    timeZone: "America/New_York",
    hours: { ...weekdays([["09:00", "12:30"], ["13:30", "17:00"]]), 6: [["10:00", "14:00"]] },
    services: [
      { name: "Haircut", category: "Hair", description: "Wash, cut and style.", durationMinutes: 45, priceAmount: 5500, currency: "usd", bufferAfterMinutes: 15 },
      { name: "Colour", category: "Hair", description: "Full colour with toner.", durationMinutes: 120, priceAmount: 14000, currency: "usd", bufferBeforeMinutes: 10, bufferAfterMinutes: 20, requiresApproval: true },
      { name: "Beard trim", category: "Hair", description: "Shape and hot towel.", durationMinutes: 20, priceAmount: 2500, currency: "usd", slotIntervalMinutes: 20 },
    ],
  },
  {
    slug: "himalaya-yoga",
    displayName: "Himalaya Yoga",
    email: "sita@example.com",
    headline: "Private yoga and meditation, online from Kathmandu",
    timeZone: "Asia/Kathmandu",
    hours: { 1: [["06:00", "10:00"], ["16:00", "19:00"]], 2: [["06:00", "10:00"]], 3: [["06:00", "10:00"], ["16:00", "19:00"]], 4: [["06:00", "10:00"]], 5: [["06:00", "10:00"]], 7: [["07:00", "11:00"]] },
    services: [
      { name: "Private yoga session", category: "Wellness", description: "One-to-one session, any level.", durationMinutes: 60, priceAmount: 3000, currency: "usd", bufferAfterMinutes: 15, slotIntervalMinutes: 60 },
      { name: "Guided meditation", category: "Wellness", description: "Breathing and meditation.", durationMinutes: 30, priceAmount: 1500, currency: "usd" },
      { name: "Free intro call", category: "Wellness", description: "Fifteen minutes to talk about what you need.", durationMinutes: 15, priceAmount: 0, currency: "usd" },
    ],
  },
  {
    slug: "thames-physio",
    displayName: "Thames Physio",
    email: "oliver@example.com",
    headline: "Sports physiotherapy near London Bridge",
    timeZone: "Europe/London",
    hours: weekdays([["08:00", "12:00"], ["13:00", "18:00"]]),
    services: [
      { name: "Initial assessment", category: "Health", description: "Assessment and treatment plan.", durationMinutes: 60, priceAmount: 7500, currency: "gbp", bufferAfterMinutes: 10, slotIntervalMinutes: 30 },
      { name: "Follow-up treatment", category: "Health", description: "Treatment session.", durationMinutes: 30, priceAmount: 4500, currency: "gbp", bufferAfterMinutes: 10 },
      { name: "Sports massage", category: "Wellness", description: "Deep tissue massage.", durationMinutes: 45, priceAmount: 5000, currency: "gbp", requiresApproval: true },
    ],
  },
  {
    slug: "lord-howe-dive",
    displayName: "Lord Howe Dive",
    email: "mia@example.com",
    headline: "Snorkel and dive trips (a zone with a 30-minute DST shift)",
    timeZone: "Australia/Lord_Howe",
    hours: { 1: [["08:00", "16:00"]], 3: [["08:00", "16:00"]], 5: [["08:00", "16:00"]], 6: [["07:00", "12:00"]] },
    services: [
      { name: "Guided snorkel", category: "Outdoors", description: "Two hours on the reef.", durationMinutes: 120, priceAmount: 9000, currency: "aud", bufferBeforeMinutes: 15, bufferAfterMinutes: 30, slotIntervalMinutes: 60 },
    ],
  },
];

/** Inserts the demo data unless the database already has users. Returns the logins to print. */
/**
 * A demo booking's code, e.g. SEED-AN01: canonical Crockford base32 like every real code, so the
 * lookup's normalisation (O→0, I/L→1) leaves it as it is and the booking can be opened by its code.
 */
export function demoConfirmationCode(slug: string, n: number): string {
  const letters = slug
    .slice(0, 2)
    .toUpperCase()
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1")
    .replace(/U/g, "V")
    .replace(/[^0-9A-Z]/g, "X");
  return `SEED-${letters.padEnd(2, "X")}${String(n).padStart(2, "0")}`;
}

export async function seedDemoData(db: Database, now = Temporal.Now.instant()): Promise<{ seeded: boolean }> {
  const [existing] = await db.select({ n: count() }).from(users);
  if ((existing?.n ?? 0) > 0) return { seeded: false };

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const emailVerifiedAt = new Date(); // demo logins count as confirmed addresses
  await db.transaction(async (tx) => {
    await tx.insert(users).values([
      { email: "admin@example.com", name: "Avery Admin", role: "admin", passwordHash, emailVerifiedAt },
      { email: "casey@example.com", name: "Casey Customer", role: "customer", passwordHash, emailVerifiedAt },
    ]);
    const [customer] = await tx.select().from(users).where(sqlEq(users.email, "casey@example.com"));

    for (const demo of DEMO_PROVIDERS) {
      const [owner] = await tx
        .insert(users)
        .values({ email: demo.email, name: demo.displayName, role: "provider", passwordHash, emailVerifiedAt })
        .returning();
      const [provider] = await tx
        .insert(providers)
        .values({
          userId: owner!.id,
          slug: demo.slug,
          displayName: demo.displayName,
          headline: demo.headline,
          bio: `${demo.displayName} takes bookings online. Times are shown in your own time zone.`,
          timeZone: demo.timeZone,
          stripeAccountId: null,
        })
        .returning();
      const rules = Object.entries(demo.hours).flatMap(([weekday, ranges]) =>
        ranges.map(([startTime, endTime]) => ({ providerId: provider!.id, weekday: Number(weekday), startTime, endTime })),
      );
      await tx.insert(availabilityRules).values(rules);

      // A closed day two weeks out shows how overrides look.
      const closedDay = now.toZonedDateTimeISO(demo.timeZone).toPlainDate().add({ days: 14 });
      await tx.insert(availabilityOverrides).values({ providerId: provider!.id, date: closedDay.toString(), reason: "Training day" });

      const inserted = await tx
        .insert(services)
        .values(
          demo.services.map((s) => ({
            providerId: provider!.id,
            name: s.name,
            description: s.description,
            category: s.category,
            durationMinutes: s.durationMinutes,
            priceAmount: s.priceAmount,
            currency: s.currency,
            bufferBeforeMinutes: s.bufferBeforeMinutes ?? 0,
            bufferAfterMinutes: s.bufferAfterMinutes ?? 0,
            slotIntervalMinutes: s.slotIntervalMinutes ?? 30,
            minNoticeMinutes: 60,
            bookingWindowDays: 60,
            requiresApproval: s.requiresApproval ?? false,
            cancellationPolicy: DEFAULT_CANCELLATION_POLICY,
          })),
        )
        .returning();

      // Two existing bookings: one completed last week, one confirmed for the next working morning.
      const service = inserted[0]!;
      const firstRange = Object.entries(demo.hours)[0]!;
      const localStart = firstRange[1][0]![0];
      const today = now.toZonedDateTimeISO(demo.timeZone).toPlainDate();
      const nextWorkday = nextDateWithWeekday(today.add({ days: 2 }), Number(firstRange[0]));
      const lastWeek = nextWorkday.subtract({ days: 7 * 2 });
      for (const [date, status] of [
        [lastWeek, "completed"],
        [nextWorkday, "confirmed"],
      ] as const) {
        const start = date.toZonedDateTime({ timeZone: demo.timeZone, plainTime: Temporal.PlainTime.from(localStart) }).toInstant();
        const end = start.add({ minutes: service.durationMinutes });
        const split = splitPlatformFee(money(service.priceAmount, service.currency), 1000);
        const [booking] = await tx
          .insert(bookings)
          .values({
            confirmationCode: demoConfirmationCode(demo.slug, status === "completed" ? 1 : 2),
            idempotencyKey: `seed:${demo.slug}:${status}`,
            requestHash: "seed",
            providerId: provider!.id,
            serviceId: service.id,
            customerId: customer!.id,
            status,
            startsAt: new Date(start.epochMilliseconds),
            endsAt: new Date(end.epochMilliseconds),
            timeZone: "America/Los_Angeles",
            providerTimeZone: demo.timeZone,
            occupiedFrom: new Date(start.subtract({ minutes: service.bufferBeforeMinutes }).epochMilliseconds),
            occupiedUntil: new Date(end.add({ minutes: service.bufferAfterMinutes }).epochMilliseconds),
            customerName: customer!.name,
            customerEmail: customer!.email,
            currency: service.currency,
            totalAmount: service.priceAmount,
            platformFeeAmount: split.platformFee.amount,
            providerAmount: split.providerShare.amount,
            platformFeeBps: 1000,
            cancellationPolicy: service.cancellationPolicy,
          })
          .returning();
        const trail = status === "completed" ? ["pending", "confirmed", "in_progress", "completed"] : ["pending", "confirmed"];
        await tx.insert(bookingStateTransitions).values(
          trail.map((to, i) => ({
            bookingId: booking!.id,
            fromStatus: (i === 0 ? null : trail[i - 1]) as never,
            toStatus: to as never,
            actorType: "system" as const,
            reason: "demo data",
          })),
        );
      }
    }
  });
  return { seeded: true };
}

function nextDateWithWeekday(from: Temporal.PlainDate, weekday: number): Temporal.PlainDate {
  return from.add({ days: (weekday - from.dayOfWeek + 7) % 7 });
}
