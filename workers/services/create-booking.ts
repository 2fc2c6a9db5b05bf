// Creating a booking: validate → early bookability check → claim against live holds → one atomic
// statement (guest session, booking, its transitions and events; a free booking is written already
// confirmed or awaiting approval, both steps recorded, with its confirmation mail) → notify after commit.
//
// Guarantees:
//  * Postgres decides: the exclusion constraint bookings_no_overlap is the last word on overlap (23P01
//    → 409 SLOT_UNAVAILABLE with alternatives from fresh data); the checks before it only give a good
//    error early and respect other customers' holds.
//  * Idempotency: the unique index on idempotency_key is the race guard. The stored request_hash (of a
//    canonical body + who is booking) tells a retry (same booking back, 200) from a reuse of the key
//    for something else (409 IDEMPOTENCY_MISMATCH). Every "you lost" path first looks the key up, so
//    a retry, or two concurrent copies of the same request, end with the same booking; a new booking
//    pays no lookup.
//  * All or nothing: the writes are one statement (db/queries/bookings.ts insertBookingWithAudit); a
//    failure anywhere leaves none of them, guest session included.
import { Temporal } from "@js-temporal/polyfill";
import { eq } from "drizzle-orm";
import { SYSTEM_ACTOR, type Actor, type BookingStatus } from "../../domain/booking-states";
import { generateConfirmationCode, hashToken, newManageToken } from "../../domain/confirmation-code";
import { DomainError } from "../../domain/errors";
import { pendingPaymentDeadline } from "../../domain/holds";
import { instantText } from "../../domain/instant-text";
import { widen } from "../../domain/intervals";
import { money } from "../../domain/money";
import { priceBooking } from "../../domain/pricing";
import type { Database } from "../../db/client";
import { newGuestManageToken } from "../auth/keyring";
import {
  bookedWithApproval,
  CONFIRMATION_CODE_INDEX,
  findBookingById,
  findBookingByIdempotencyKey,
  findBookingWithContextByCode,
  IDEMPOTENCY_INDEX,
  insertBookingWithAudit,
  insertBookingWithAuditSerialized,
  type BookingRow,
} from "../../db/queries/bookings";
import { users } from "../../db/schema";
import { CreateBookingSchema, type CreateBookingInput } from "../api/schemas";
import { outboxRow } from "../email/outbox";
import { alternativesFor, checkBookable, loadBookableService, slotUnavailable, timingOf } from "./availability";
import { toBookingView, type BookingView } from "./booking-view";
import { logEvent, notifySchedule, resolveDeps, toDate, type ServiceDeps } from "./context";
import { DEADLOCK_DETECTED, EXCLUSION_VIOLATION, isPgError, UNIQUE_VIOLATION } from "./pg-errors";
import type { BookingChange, BookingInterval } from "./ports";
import { requestHash } from "./request-hash";
import { changeKind, deadlineFor, transitionBooking } from "./transition-booking";

/** How long a guest's manage link keeps working after the appointment ends (receipts, refunds, reviews). */
export const GUEST_SESSION_DAYS_AFTER_END = 30;
const MAX_CODE_ATTEMPTS = 5;

export interface CreateBookingRequest {
  /** The parsed JSON body (validated here with CreateBookingSchema). */
  body: unknown;
  /** The Idempotency-Key header, if sent; it must match the body field when both are present. */
  idempotencyKeyHeader?: string | null;
  /** The signed-in user booking for themselves; absent for guests. */
  customerUserId?: string | null;
}

export interface CreateBookingResult {
  /** 201 for a new booking, 200 for an idempotent replay. */
  status: 201 | 200;
  replayed: boolean;
  booking: BookingView;
  /** Guests, first response only. The database keeps only its hash. */
  manageToken?: string;
  /** Seam for the payments work (BookingHooks.onBookingCreated); null until it is wired. */
  payment: Record<string, unknown> | null;
}

function invalid(path: string, message: string): DomainError {
  return new DomainError("VALIDATION", `${path}: ${message}`, { fields: [{ path, message }] });
}

/** The header's key goes into the body, so the schema reports a bad key together with every other field. */
function resolveIdempotencyKey(body: unknown, header: string | null | undefined): unknown {
  if (header === null || header === undefined) return body;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const fromBody = (body as Record<string, unknown>).idempotencyKey;
    if (fromBody !== undefined && fromBody !== header) {
      throw invalid("idempotencyKey", "differs from the Idempotency-Key header");
    }
    return { ...(body as Record<string, unknown>), idempotencyKey: header };
  }
  return body; // not an object: let the schema report it
}

interface Customer {
  customerId: string | null;
  name: string;
  email: string;
  phone: string | null;
  notes: string;
  actor: Actor;
}

async function resolveCustomer(db: Database, input: CreateBookingInput, userId: string | null | undefined): Promise<Customer> {
  const details = input.customer ?? {};
  if (userId) {
    const [user] = await db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.id, userId));
    if (!user) throw new DomainError("UNAUTHENTICATED", "Your session refers to an account that no longer exists; please sign in again");
    return {
      customerId: user.id,
      name: details.name ?? user.name,
      email: user.email, // the account's address: confirmations must reach the account holder
      phone: details.phone ?? null,
      notes: details.notes ?? "",
      actor: { type: "customer", id: user.id },
    };
  }
  const missing = [
    ...(details.name ? [] : [{ path: "customer.name", message: "is required when booking as a guest" }]),
    ...(details.email ? [] : [{ path: "customer.email", message: "is required when booking as a guest" }]),
  ];
  if (missing.length > 0) {
    throw new DomainError("VALIDATION", `Invalid request: ${missing.map((m) => `${m.path}: ${m.message}`).join("; ")}`, { fields: missing });
  }
  return {
    customerId: null,
    name: details.name!,
    email: details.email!,
    phone: details.phone ?? null,
    notes: details.notes ?? "",
    actor: { type: "guest", id: null },
  };
}

/** Why a free booking moves on at once: a successful payment would have moved it the same way. */
const NOTHING_TO_PAY = "Nothing to pay";

/** Where a booking with nothing to pay goes at once: where a successful payment would take it. */
function freeBookingStatus(requiresApproval: boolean): BookingStatus {
  return requiresApproval ? "awaiting_approval" : "confirmed";
}

/**
 * A free booking (total 0) has nothing to pay, so no PaymentIntent: it moves on at once, as a
 * successful payment would move it (to awaiting_approval when the provider must accept). New free
 * bookings are written in that state by the insert itself; this finishes ones a replay finds pending
 * (written before that, or by a request that stopped half-way).
 */
async function settleFreeBooking(db: Database, booking: BookingRow, deps: ServiceDeps): Promise<BookingRow> {
  if (booking.totalAmount !== 0 || booking.status !== "pending") return booking;
  const to = freeBookingStatus(await bookedWithApproval(db, booking));
  try {
    return (await transitionBooking(db, { bookingId: booking.id, to, actor: SYSTEM_ACTOR, reason: NOTHING_TO_PAY, expectedVersion: booking.version }, deps)).booking;
  } catch (error) {
    // A twin request (same idempotency key) moved it first: its state is the answer.
    if (error instanceof DomainError && (error.code === "STALE_VERSION" || error.code === "ILLEGAL_TRANSITION")) {
      return (await findBookingById(db, booking.id)) ?? booking;
    }
    throw error;
  }
}

/**
 * Creates a booking, or answers a retry of one with the same booking. Four steps, each below:
 * prepare (validate, who books, the request's fingerprint), reserve (the service, an early check and
 * the claim against live holds), insert (the one statement, retried for a code collision or a
 * deadlock) and after (notices and the payment step).
 */
export async function createBooking(db: Database, request: CreateBookingRequest, deps: ServiceDeps = {}): Promise<CreateBookingResult> {
  const resolved = resolveDeps(deps);
  const prepared = await prepare(db, request);
  const replays = replaysFor(db, prepared, deps, resolved.hooks);
  const reserved = await reserve(db, prepared, replays, resolved);
  if (isAnswer(reserved)) return reserved;
  const written = await insert(db, prepared, reserved, replays, resolved);
  if (isAnswer(written)) return written;
  return after(db, reserved, written, resolved);
}

type Resolved = ReturnType<typeof resolveDeps>;

/** A step that already has the answer (a replay) rather than its result. */
function isAnswer(value: object): value is CreateBookingResult {
  return "replayed" in value;
}

/** The validated request: its key, its start, who is booking, and the fingerprint a retry must match. */
interface Prepared {
  input: CreateBookingInput;
  idempotencyKey: string;
  start: Temporal.Instant;
  customer: Customer;
  hash: string;
}

async function prepare(db: Database, request: CreateBookingRequest): Promise<Prepared> {
  const input = CreateBookingSchema.parse(resolveIdempotencyKey(request.body, request.idempotencyKeyHeader));
  const idempotencyKey = input.idempotencyKey;
  if (!idempotencyKey) throw invalid("idempotencyKey", "is required (Idempotency-Key header or body field)");
  const start = Temporal.Instant.from(input.start);
  const customer = await resolveCustomer(db, input, request.customerUserId);

  // Who is booking is part of the fingerprint: another account reusing a key gets a mismatch, never
  // someone else's booking.
  const hash = await requestHash({
    serviceId: input.serviceId.toLowerCase(),
    providerId: input.providerId.toLowerCase(),
    start: instantText(start),
    timeZone: input.timeZone,
    customer: input.customer ?? null,
    holdId: input.holdId ?? null,
    holderToken: input.holderToken ?? null,
    bookedBy: customer.customerId ? `customer:${customer.customerId}` : "guest",
  });

  return { input, idempotencyKey, start, customer, hash };
}

/** How a request whose key already has a booking is answered. */
interface Replays {
  replay(existing: BookingRow): Promise<CreateBookingResult>;
  replayOr(otherwise: () => Promise<never>): Promise<CreateBookingResult>;
}

function replaysFor(db: Database, { hash, idempotencyKey }: Prepared, deps: ServiceDeps, hooks: Resolved["hooks"]): Replays {
  const replay = async (existing: BookingRow): Promise<CreateBookingResult> => {
    if (existing.requestHash !== hash) {
      throw new DomainError(
        "IDEMPOTENCY_MISMATCH",
        "This Idempotency-Key was already used for a different request; use a new key for a new booking",
        { fields: [{ path: "idempotencyKey", message: "already used with a different body" }], idempotencyKey },
      );
    }
    // A retry also finishes a free booking whose first request stopped before moving it on.
    await settleFreeBooking(db, existing, deps);
    const found = await findBookingWithContextByCode(db, existing.confirmationCode);
    const payment = (await hooks.onBookingCreated?.({ db, booking: existing, replayed: true })) ?? null;
    return { status: 200, replayed: true, booking: toBookingView(found?.booking ?? existing, found ?? { providerName: "", serviceName: "" }), payment };
  };
  /** Any "taken" answer: if our own twin request won meanwhile, this is a replay, not a conflict. */
  const replayOr = async (otherwise: () => Promise<never>): Promise<CreateBookingResult> => {
    const existing = await findBookingByIdempotencyKey(db, idempotencyKey);
    return existing ? replay(existing) : otherwise();
  };

  return { replay, replayOr };
}

/** The provider's service and the time this booking will take, claimed against other holds. */
interface Reserved {
  provider: Awaited<ReturnType<typeof loadBookableService>>["provider"];
  service: Awaited<ReturnType<typeof loadBookableService>>["service"];
  bookingId: string;
  end: Temporal.Instant;
  interval: BookingInterval;
  occupied: ReturnType<typeof widen>;
  now: Temporal.Instant;
  /** The expiry of the customer's own live hold the claim consumed: the payment deadline they were shown. */
  heldUntil: Temporal.Instant | null;
  /** 409 SLOT_UNAVAILABLE with the nearest free alternatives, from fresh data. */
  unavailable(message?: string): Promise<never>;
}

async function reserve(db: Database, { input, start, customer }: Prepared, { replayOr }: Replays, { port, now: clock }: Resolved): Promise<Reserved | CreateBookingResult> {
  // No lookup of the key first: a retry cannot get past the checks below as a new booking (its own
  // booking occupies the time, or the key's unique index refuses the insert), and every one of those
  // refusals looks the key up before it answers. A new booking saves the round trip.
  let offered: Awaited<ReturnType<typeof loadBookableService>>;
  try {
    offered = await loadBookableService(db, input.providerId, input.serviceId, port);
  } catch (error) {
    // A replay wins even if the service was withdrawn since.
    return replayOr(() => Promise.reject(error));
  }
  const { provider, service } = offered;
  const timing = timingOf(service);
  const now = clock();
  const end = start.add({ minutes: timing.durationMinutes });
  const occupied = widen({ start, end }, timing.bufferBeforeMinutes, timing.bufferAfterMinutes);
  const interval: BookingInterval = { start, end, occupiedFrom: occupied.start, occupiedUntil: occupied.end };
  const unavailable = async (message?: string): Promise<never> => {
    const alternatives = await alternativesFor(db, port, { provider, timing, wanted: start, customerZone: input.timeZone, now: clock() });
    throw slotUnavailable(start, alternatives, message);
  };

  if (!(await checkBookable(db, port, { provider, timing, start, now }))) {
    return replayOr(() => unavailable("That time cannot be booked: it is taken, outside working hours, or too soon / too far ahead"));
  }

  const bookingId = crypto.randomUUID();
  let heldUntil: Temporal.Instant | null = null;
  try {
    const claim = await port.claimForBooking({
      providerId: provider.id,
      holder: input.holderToken ?? (customer.customerId ? `user:${customer.customerId}` : `guest:${bookingId}`),
      holdId: input.holdId,
      occupiedFrom: occupied.start,
      occupiedUntil: occupied.end,
      bookingId,
    });
    if (!claim.ok) return replayOr(() => unavailable(`That time is being booked by someone else (${claim.message})`));
    heldUntil = claim.heldUntil ?? null;
  } catch (error) {
    // The schedule is an early warning, Postgres the guarantee: carry on without it rather than fail.
    // (Nothing to undo there if the insert fails later: a claim only consumes the holder's own holds.)
    logEvent("schedule.claim_unavailable", { providerId: provider.id, bookingId, message: error instanceof Error ? error.message : String(error) });
  }

  return { provider, service, bookingId, end, interval, occupied, now, heldUntil, unavailable };
}

/** The committed booking, the guest's manage token, and the second notice of a booking settled at once. */
interface Written {
  booking: BookingRow;
  manageToken: string | undefined;
  settledNotice: BookingChange | null;
  noticeDetails: { customerName: string; serviceName: string };
}

async function insert(
  db: Database,
  { input, start, customer, idempotencyKey, hash }: Prepared,
  { provider, service, bookingId, end, interval, occupied, now, heldUntil, unavailable }: Reserved,
  { replay, replayOr }: Replays,
  { port, settings }: Resolved,
): Promise<Written | CreateBookingResult> {
  const priced = priceBooking({
    servicePrice: money(service.priceAmount, service.currency),
    customerKind: customer.customerId ? "customer" : "guest",
    feeBps: settings.feeBps,
  });

  // A free booking is written in the state it moves to at once, with both steps recorded, in the same
  // statement: no second transaction after the insert (under load that step was the storm's tail).
  const settledStatus: BookingStatus = priced.total.amount === 0 ? freeBookingStatus(service.requiresApproval) : "pending";
  const settlesAtOnce = settledStatus !== "pending";

  const noticeDetails = { customerName: customer.name, serviceName: service.name };
  const settledChange = (confirmationCode: string): BookingChange | null =>
    settlesAtOnce
      ? { kind: changeKind("pending", settledStatus), bookingId, interval, details: { status: settledStatus, from: "pending", reason: NOTHING_TO_PAY, confirmationCode, ...noticeDetails } }
      : null;

  let booking: BookingRow | undefined;
  let manageToken: string | undefined;
  /** The second notice of a booking settled at once, as the committed attempt wrote it (mail included or not). */
  let settledNotice: BookingChange | null = null;
  let serialized = false;
  for (let attempt = 1; !booking; attempt++) {
    const guestSessionId = customer.customerId ? null : crypto.randomUUID();
    const confirmationCode = generateConfirmationCode();
    manageToken =
      guestSessionId === null
        ? undefined
        : settings.manageTokenKeys
          ? await newGuestManageToken(settings.manageTokenKeys, guestSessionId)
          : newManageToken();
    // A booking confirmed at once commits its confirmation mail in the same statement, not after it.
    const settled = settledChange(confirmationCode);
    const mail =
      settled && port.mailWithChange
        ? await port.mailWithChange(settled, {
            booking: {
              id: bookingId,
              confirmationCode,
              customerName: customer.name,
              customerEmail: customer.email,
              startsAt: toDate(start),
              endsAt: toDate(end),
              timeZone: input.timeZone,
              providerTimeZone: provider.timeZone,
              totalAmount: priced.total.amount,
              currency: priced.total.currency,
              guestSessionId,
              icsSequence: 0, // a new booking's (the column's default)
              notes: customer.notes,
            },
            service,
            provider,
            manageToken,
          })
        : null;
    settledNotice = settled && mail ? { ...settled, mailQueued: true } : settled;
    try {
      booking = await (serialized ? insertBookingWithAuditSerialized : insertBookingWithAudit)(db, {
        outbox: mail ? [outboxRow(mail)] : [],
        guestSession:
          manageToken && guestSessionId
            ? {
                id: guestSessionId,
                email: customer.email,
                name: customer.name,
                phone: customer.phone,
                tokenHash: await hashToken(manageToken),
                expiresAt: toDate(end.add({ hours: 24 * GUEST_SESSION_DAYS_AFTER_END })),
              }
            : undefined,
        booking: {
          id: bookingId,
          confirmationCode,
          idempotencyKey,
          requestHash: hash,
          providerId: provider.id,
          serviceId: service.id,
          customerId: customer.customerId,
          guestSessionId,
          status: settledStatus,
          version: settlesAtOnce ? 2 : 1,
          startsAt: toDate(start),
          endsAt: toDate(end),
          timeZone: input.timeZone,
          providerTimeZone: provider.timeZone,
          occupiedFrom: toDate(occupied.start),
          occupiedUntil: toDate(occupied.end),
          customerName: customer.name,
          customerEmail: customer.email,
          customerPhone: customer.phone,
          notes: customer.notes,
          currency: priced.total.currency,
          totalAmount: priced.total.amount,
          platformFeeAmount: priced.platformFee.amount,
          providerAmount: priced.providerShare.amount,
          platformFeeBps: priced.feeBps,
          cancellationPolicy: service.cancellationPolicy,
          // Unpaid: the deadline the hold's countdown showed carries on (domain/holds.ts pendingPaymentDeadline).
          expiresAt:
            settledStatus === "pending"
              ? toDate(pendingPaymentDeadline({ now, heldUntil, pendingTtl: settings.pendingPaymentTtl }))
              : deadlineFor(settledStatus, null, now, settings),
        },
        transitions: [
          {
            bookingId,
            from: null,
            to: "pending",
            actor: customer.actor,
            reason: "Booking created",
            metadata: { requiresApproval: service.requiresApproval, holdId: input.holdId ?? null },
          },
          ...(settlesAtOnce ? [{ bookingId, from: "pending" as const, to: settledStatus, actor: SYSTEM_ACTOR, reason: NOTHING_TO_PAY }] : []),
        ],
        events: [
          {
            bookingId,
            type: "created",
            data: {
              start: instantText(start),
              end: instantText(end),
              occupiedFrom: instantText(occupied.start),
              occupiedUntil: instantText(occupied.end),
              totalAmount: priced.total.amount,
              platformFeeAmount: priced.platformFee.amount,
              providerAmount: priced.providerShare.amount,
              feeBps: priced.feeBps,
              currency: priced.total.currency,
              requiresApproval: service.requiresApproval,
              guest: customer.customerId === null,
            },
          },
          ...(settlesAtOnce
            ? [{ bookingId, type: "status_changed", data: { from: "pending", to: settledStatus, actor: SYSTEM_ACTOR, reason: NOTHING_TO_PAY } }]
            : []),
        ],
      });
    } catch (error) {
      // The statement failed as a whole: no guest session, booking, transition or event of it exists.
      if (isPgError(error, UNIQUE_VIOLATION, CONFIRMATION_CODE_INDEX) && attempt < MAX_CODE_ATTEMPTS) continue;
      // A deadlock victim among racing inserts: try again, queued behind the other retries so it
      // cannot rejoin the race; it then wins or meets the winner's row (23P01).
      if (isPgError(error, DEADLOCK_DETECTED) && attempt < MAX_CODE_ATTEMPTS) {
        serialized = true;
        continue;
      }
      if (isPgError(error, UNIQUE_VIOLATION, IDEMPOTENCY_INDEX)) {
        // The twin request committed first (a unique violation is only raised once it has).
        const winner = await findBookingByIdempotencyKey(db, idempotencyKey);
        if (winner) return replay(winner);
      }
      if (isPgError(error, EXCLUSION_VIOLATION)) return replayOr(() => unavailable());
      throw error;
    }
  }

  return { booking, manageToken, settledNotice, noticeDetails };
}

async function after(
  db: Database,
  { provider, service, bookingId, interval }: Reserved,
  { booking, manageToken, settledNotice, noticeDetails }: Written,
  { port, hooks }: Resolved,
): Promise<CreateBookingResult> {
  await notifySchedule(port, provider.id, [
    { kind: "created", bookingId, seq: booking.changeSeq, interval, details: { status: "pending", from: null, reason: "Booking created", confirmationCode: booking.confirmationCode, ...noticeDetails } },
    // The same notices a separate step would have sent; the mail hangs on this one unless it was committed above.
    ...(settledNotice ? [{ ...settledNotice, seq: booking.changeSeq }] : []),
  ]);
  const payment = (await hooks.onBookingCreated?.({ db, booking, replayed: false, requiresApproval: service.requiresApproval })) ?? null;
  return {
    status: 201,
    replayed: false,
    booking: toBookingView(booking, { providerName: provider.displayName, serviceName: service.name }),
    manageToken,
    payment,
  };
}
