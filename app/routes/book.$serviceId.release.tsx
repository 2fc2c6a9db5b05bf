// Lets go of the visitor's hold when they leave the details step: "Choose another time" (a form, so it
// works without JavaScript, then back to the slot page), leaving within the app, or closing the tab
// (a pagehide beacon). Only the holder (the HttpOnly holder cookie) can release, and a release sent by
// an older page loses to a newer view of the same hold (a reload shows it again before the old page's
// beacon may arrive; see ProviderSchedule.release). No Postgres: the provider id comes with the form.
import { redirect, type ActionFunctionArgs } from "@remix-run/cloudflare";
import { readHolderToken } from "../utils/booking-flow.server";
import { assertCsrf } from "../utils/csrf.server";
import { logScheduleError, scheduleStub } from "../utils/schedule-object.server";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function action({ request, params, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const providerId = String(formData.get("provider") ?? "");
  const holdId = String(formData.get("hold") ?? "");
  const shownAt = Number(formData.get("shownAt"));
  const holder = readHolderToken(request);
  if (holder && UUID.test(providerId) && UUID.test(holdId)) {
    try {
      // Not the holder's, unknown or expired: nothing to release, and nothing to tell the visitor.
      await scheduleStub(context, providerId).release(holdId, holder, Number.isSafeInteger(shownAt) ? shownAt : undefined);
    } catch (error) {
      logScheduleError(providerId, error);
    }
  }
  if (formData.get("then") === "choose") {
    const tz = String(formData.get("tz") ?? "");
    return redirect(`/book/${encodeURIComponent(params.serviceId ?? "")}${tz ? `?tz=${encodeURIComponent(tz)}` : ""}`);
  }
  return new Response(null, { status: 204 });
}
