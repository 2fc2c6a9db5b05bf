import { DrizzleQueryError } from "drizzle-orm/errors";
import { describe, expect, it } from "vitest";
import { describeFailure, isDatabaseUnreachable } from "../../db/unreachable";

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("isDatabaseUnreachable", () => {
  it.each([
    new Error("connect ECONNREFUSED 127.0.0.1:5432"),
    new TypeError("Can't call WebSocket send() after close()."),
    new Error("Connection terminated unexpectedly"),
    pgError("57P01", "terminating connection due to administrator command"),
    pgError("08006", "connection failure"),
    pgError("53300", "sorry, too many clients already"),
    new DrizzleQueryError("select 1", [], new Error("Network connection lost.")),
  ])("%s → unreachable", (error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it.each([
    pgError("23505", "duplicate key value violates unique constraint"),
    pgError("22021", "invalid byte sequence for encoding \"UTF8\": 0x00"),
    new DrizzleQueryError("select * from websocket_sessions", ["ECONNREFUSED"], pgError("42P01", "relation does not exist")),
    new RangeError("date/time value is outside of supported range"),
  ])("%s → a real failure", (error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
  });
});

describe("describeFailure", () => {
  it("keeps the driver's words and SQLSTATE, never the SQL or its parameters", () => {
    const error = new DrizzleQueryError("insert into bookings (customer_email) values ($1)", ["ann@example.test"], pgError("23505", "duplicate key"));
    const described = describeFailure(error);
    expect(described).toEqual({ name: "Error", code: "23505", message: "duplicate key" });
    expect(JSON.stringify(described)).not.toContain("ann@example.test");
  });

  it("a query error without a cause says only that the query failed", () => {
    expect(JSON.stringify(describeFailure(new DrizzleQueryError("select $1", ["secret"], undefined as never)))).not.toContain("secret");
  });
});
