// The composition root: how the services are wired for the Worker and for the provider objects.
// Route handlers, pages, the cron and the objects take their service dependencies from here, so
// this is the one file that knows which port, mail, settings and Stripe hooks go together.
import type { Database } from "../db/client";
import { withBookingEmails } from "./email/booking-notifier";
import type { AppConfig, Env } from "./env";
import { paymentHooks } from "./payments/hooks";
import { paymentsDepsFromConfig } from "./payments/stripe-client";
import { settingsFromConfig, type ServiceDeps } from "./services/context";
import type { SchedulePort } from "./services/ports";
import { durableObjectSchedulePort } from "./services/schedule-port";

/** The port every Worker-side caller uses: the provider's Durable Object, plus booking mail. */
export function appSchedulePort(env: Pick<Env, "PROVIDER_SCHEDULE">, config: AppConfig, db: Database): SchedulePort {
  return withBookingEmails(durableObjectSchedulePort(env), config, db);
}

/** What the Worker's route handlers pass to the services. */
export function workerDeps(env: Pick<Env, "PROVIDER_SCHEDULE">, config: AppConfig, db: Database): ServiceDeps {
  return depsOver(durableObjectSchedulePort(env), config, db);
}

/** The services' dependencies around a schedule port: booking mail, settings, payments. */
export function depsOver(schedule: SchedulePort, config: AppConfig, db: Database): ServiceDeps {
  const port = withBookingEmails(schedule, config, db);
  // Payments seam (added by the payments work): PaymentIntent on create, capture on accept, void/refund on cancel.
  return { port, settings: settingsFromConfig(config), hooks: paymentHooks(paymentsDepsFromConfig(config, port)) };
}
