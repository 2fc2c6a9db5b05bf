// A booking's live status channel through the Worker's real fetch handler inside workerd, against the
// test Postgres and the provider's real Durable Object: the customer's stream starts with the state
// now and hears the provider accept; a guest listens with the manage token (Bearer or ?token=); the
// WebSocket form hears a decline; nobody else may listen.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "../../db/client";
import { bookings, guestBookingSessions, providers, services, users } from "../../db/schema";
import { DEFAULT_CANCELLATION_POLICY } from "../../domain/cancellation-policy";
import { generateConfirmationCode, hashToken, newManageToken } from "../../domain/confirmation-code";
import type { BookingStatusMessage } from "../../durable-objects/live-messages";
import { loadConfig } from "../../workers/env";
import { fetchWorker, pageTestBookingRow, signedInCookie } from "./support";

const config = loadConfig(env as unknown as Record<string, unknown>);
const suffix = crypto.randomUUID().slice(0, 8);
const cookies = { customer: "", provider: "", stranger: "" };
// Real confirmation codes: the API refuses anything not shaped XXXX-XXXX before looking.
const codes = { signedIn: generateConfirmationCode(), guest: generateConfirmationCode(), socket: generateConfirmationCode() };
let guestToken = "";

beforeAll(async () => {
  await withDatabase(config, async (db) => {
    const person = async (key: string, role: "customer" | "provider") =>
      (await db.insert(users).values({ email: `live-${key}-${suffix}@example.test`, name: `Live ${key}`, role }).returning())[0]!;
    const [customer, providerUser, stranger] = [await person("customer", "customer"), await person("provider", "provider"), await person("stranger", "customer")];
    const [provider] = await db.insert(providers).values({ userId: providerUser.id, slug: `live-${suffix}`, displayName: `Live Studio ${suffix}`, timeZone: "America/Chicago" }).returning();
    const [service] = await db
      .insert(services)
      .values({ providerId: provider!.id, name: "Consultation", category: "Advice", durationMinutes: 60, priceAmount: 0, currency: "usd", requiresApproval: true, cancellationPolicy: DEFAULT_CANCELLATION_POLICY })
      .returning();
    const fixture = { providerId: provider!.id, serviceId: service!.id, timeZone: "America/Chicago" };
    guestToken = newManageToken();
    const [guest] = await db
      .insert(guestBookingSessions)
      .values({ email: `live-guest-${suffix}@example.test`, name: "Gwen Guest", tokenHash: await hashToken(guestToken), expiresAt: new Date(Date.now() + 30 * 24 * 3600_000) })
      .returning();
    const at = (days: number) => new Date(Date.now() + days * 24 * 3600_000);
    const row = (code: string, days: number, owner: { customerId: string } | { guestSessionId: string }) =>
      pageTestBookingRow(fixture, at(days), 60, {
        confirmationCode: code,
        idempotencyKey: `live-${code}`,
        status: "awaiting_approval",
        expiresAt: at(1),
        totalAmount: 0,
        platformFeeAmount: 0,
        providerAmount: 0,
        customerName: "Live Customer",
        customerEmail: `live-customer-${suffix}@example.test`,
        ...owner,
      });
    await db.insert(bookings).values([
      row(codes.signedIn, 3, { customerId: customer.id }),
      row(codes.guest, 4, { guestSessionId: guest!.id }),
      row(codes.socket, 5, { customerId: customer.id }),
    ]);
    cookies.customer = await signedInCookie({ userId: customer.id, role: "customer", name: customer.name }, config);
    cookies.provider = await signedInCookie({ userId: providerUser.id, role: "provider", name: providerUser.name }, config);
    cookies.stranger = await signedInCookie({ userId: stranger.id, role: "customer", name: stranger.name }, config);
  });
});

/** Status messages from an SSE response, one at a time. */
function statusStream(response: Response) {
  const stream = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    async next(timeoutMs = 5_000): Promise<BookingStatusMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const frame = /event: booking\.status\ndata: (.*)\n\n/.exec(buffer);
        if (frame) {
          buffer = buffer.slice(frame.index + frame[0].length);
          return JSON.parse(frame[1]!) as BookingStatusMessage;
        }
        const left = deadline - Date.now();
        const chunk = await Promise.race([stream.read(), new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(left, 0)))]);
        if (chunk === null) throw new Error("no status message in time");
        if (chunk.done) throw new Error("stream ended");
        buffer += chunk.value;
      }
    },
    cancel: () => stream.cancel(),
  };
}

function providerDecides(code: string, decision: "accept" | "decline") {
  return fetchWorker(`/api/v1/bookings/${code}/${decision}`, {
    method: "POST",
    headers: { cookie: cookies.provider, "content-type": "application/json", origin: "http://example.test" },
    body: JSON.stringify(decision === "decline" ? { reason: "Fully booked that week" } : {}),
  });
}

describe("a booking's live status", () => {
  it("the customer's stream starts with the state now and hears the provider accept", async () => {
    const response = await fetchWorker(`/api/v1/bookings/${codes.signedIn}/events`, { headers: { cookie: cookies.customer } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const stream = statusStream(response);
    const first = await stream.next();
    expect(first).toMatchObject({ type: "booking.status", confirmationCode: codes.signedIn, status: "awaiting_approval" });
    expect(first.version).toEqual(expect.any(Number));

    expect((await providerDecides(codes.signedIn, "accept")).status).toBe(200);
    const accepted = await stream.next();
    expect(accepted).toMatchObject({ confirmationCode: codes.signedIn, status: "confirmed" });
    expect(accepted.version!).toBeGreaterThan(first.version!);
    await stream.cancel();
  });

  it("a guest listens with the manage token, as Bearer or ?token=; a wrong token or a stranger gets 404", async () => {
    const bearer = await fetchWorker(`/api/v1/bookings/${codes.guest}/events`, { headers: { authorization: `Bearer ${guestToken}` } });
    expect(bearer.status).toBe(200);
    const viaBearer = statusStream(bearer);
    expect(await viaBearer.next()).toMatchObject({ status: "awaiting_approval" });
    await viaBearer.cancel();

    const query = await fetchWorker(`/api/v1/bookings/${codes.guest}/events?token=${encodeURIComponent(guestToken)}`);
    expect(query.status).toBe(200);
    await query.body?.cancel();

    for (const refused of [
      fetchWorker(`/api/v1/bookings/${codes.guest}/events`, { headers: { authorization: `Bearer ${newManageToken()}` } }),
      fetchWorker(`/api/v1/bookings/${codes.guest}/events`),
      fetchWorker(`/api/v1/bookings/${codes.signedIn}/events`, { headers: { cookie: cookies.stranger } }),
      fetchWorker(`/api/v1/bookings/${generateConfirmationCode()}/events`, { headers: { cookie: cookies.customer } }),
    ]) {
      const response = await refused;
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
  });

  it("the WebSocket form sends the state now, hears a decline, and answers a ping", async () => {
    const response = await fetchWorker(`/api/v1/bookings/${codes.socket}/live`, { headers: { cookie: cookies.customer, upgrade: "websocket" } });
    expect(response.status).toBe(101);
    const ws = response.webSocket!;
    const received: Array<{ type: string; status?: string }> = [];
    const waiters: Array<() => void> = [];
    ws.addEventListener("message", (event) => {
      received.push(JSON.parse(event.data as string));
      waiters.splice(0).forEach((wake) => wake());
    });
    ws.accept();
    const nextMessage = async (count: number) => {
      const deadline = Date.now() + 5_000;
      while (received.length < count && Date.now() < deadline) await new Promise<void>((resolve) => waiters.push(resolve) && setTimeout(resolve, 100));
      expect(received.length).toBeGreaterThanOrEqual(count);
      return received[count - 1]!;
    };
    expect(await nextMessage(1)).toMatchObject({ type: "booking.status", status: "awaiting_approval" });
    expect((await providerDecides(codes.socket, "decline")).status).toBe(200);
    const declined = await nextMessage(2);
    expect(declined.type).toBe("booking.status");
    expect(declined.status).not.toBe("awaiting_approval");
    ws.send(JSON.stringify({ type: "ping" }));
    expect(await nextMessage(3)).toEqual({ type: "pong" });
    ws.close(1000, "done");

    const plain = await fetchWorker(`/api/v1/bookings/${codes.socket}/live`, { headers: { cookie: cookies.customer } });
    expect(plain.status).toBe(426);
  });
});
