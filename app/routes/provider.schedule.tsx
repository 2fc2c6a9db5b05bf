// /provider/schedule — weekly hours (several ranges per day), the provider's time zone, and date
// overrides (a closed day, or custom hours, with a reason). Plain POST forms that work without
// JavaScript. The weekly form is validated with zod and the availability engine's own rules
// (well-formed ranges, no overlaps) and saved atomically (one transaction replaces all rules and sets
// the zone); every change then tells the provider's Durable Object (scheduleChanged) so open booking
// pages recompute their slots.
import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/cloudflare";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import { addOverride, deleteOverride, overrideRows, replaceWeeklySchedule, weeklyRuleRows } from "../../db/queries/provider-admin";
import { isDomainError } from "../../domain/errors";
import { assertOverrideFits } from "../../workers/services/schedule-rules";
import { AuthenticityTokenInput } from "../components/authenticity-token-input";
import { AdminScopeNote } from "../components/provider/booking-status";
import { FormMessage, SelectField, TextField, firstError, type FieldErrors } from "../components/provider/form-controls";
import { MAX_RANGES_PER_DAY, WEEKDAYS, WeeklyHoursEditor, type Weekday, type WeeklyDraft } from "../components/provider/weekly-hours-editor";
import providerStyles from "../styles/provider.css?url";
import { assertCsrf } from "../utils/csrf.server";
import { formatPlainDate, parsePlainDate, timeZoneOptions, todayIn } from "../utils/dates";
import { adminChoices, requireProviderScope, scopedHref } from "../utils/provider-scope.server";
import {
  overrideDraftFromForm,
  overrideFieldName,
  validateOverrideDraft,
  validateWeeklyDraft,
  weeklyDraftFrom,
  weeklyDraftFromForm,
  type OverrideDraft,
} from "../utils/schedule-form.server";
import { announceScheduleChanged } from "../utils/schedule-object.server";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: providerStyles }];

export const meta: MetaFunction = () => [{ title: "Schedule · Edge Booking" }];

const SAVED_MESSAGES: Record<string, string> = {
  weekly: "Weekly hours saved. Booking pages now offer the new times.",
  override: "Date override added.",
  deleted: "Date override deleted.",
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const scope = await requireProviderScope(request, context);
  const { provider } = scope;
  const db = context.database.db;
  const today = todayIn(provider.timeZone);
  const [rules, overrides, choices] = await Promise.all([
    weeklyRuleRows(db, provider.id),
    overrideRows(db, provider.id, today.toString()),
    adminChoices(scope, context),
  ]);
  const saved = new URL(request.url).searchParams.get("saved");
  return {
    provider: { id: provider.id, displayName: provider.displayName, timeZone: provider.timeZone },
    admin: scope.isAdmin ? { choices } : null,
    draft: weeklyDraftFrom(provider.timeZone, rules),
    zones: timeZoneOptions(provider.timeZone),
    today: today.toString(),
    overrides: overrides.map((o) => {
      const date = parsePlainDate(o.date);
      return { ...o, label: date ? formatPlainDate(date) : o.date };
    }),
    saved: saved ? (SAVED_MESSAGES[saved] ?? null) : null,
  };
}

type ActionData =
  | { form: "weekly"; draft: WeeklyDraft; fieldErrors?: FieldErrors; formError?: string; notice?: string }
  | { form: "override"; draft: OverrideDraft; fieldErrors?: FieldErrors; formError?: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const formData = await request.formData();
  await assertCsrf(request, formData, context);
  const scope = await requireProviderScope(request, context);
  const { provider } = scope;
  const db = context.database.db;
  const intent = String(formData.get("intent") ?? "save");

  if (intent === "override:add") {
    const draft = overrideDraftFromForm(formData);
    const parsed = validateOverrideDraft(draft, todayIn(provider.timeZone));
    if (!parsed.ok) {
      return data<ActionData>({ form: "override", draft, fieldErrors: parsed.fieldErrors, formError: "The override was not added: please correct the highlighted fields." }, { status: 400 });
    }
    try {
      await addOverride(db, provider.id, parsed.value, (existing) => assertOverrideFits(parsed.value, existing));
    } catch (error) {
      if (isDomainError(error, "VALIDATION")) {
        const field = overrideFieldName((error.details.fields as string[] | undefined)?.[0]);
        return data<ActionData>({ form: "override", draft, fieldErrors: { [field]: [error.message] }, formError: "The override was not added." }, { status: 400 });
      }
      throw error;
    }
    await announceScheduleChanged(context, provider.id);
    return redirect(scopedHref(scope, "/provider/schedule", { saved: "override" }));
  }

  if (intent === "override:delete") {
    const id = String(formData.get("overrideId") ?? "");
    const deleted = /^[0-9a-f-]{36}$/i.test(id) ? await deleteOverride(db, provider.id, id) : false;
    if (!deleted) throw new Response("No such date override.", { status: 404 });
    await announceScheduleChanged(context, provider.id);
    return redirect(scopedHref(scope, "/provider/schedule", { saved: "deleted" }));
  }

  // The weekly form: "save", or a no-JavaScript "add hours" / "remove" button.
  const draft = weeklyDraftFromForm(formData);
  const add = /^weekly:add:([1-7])$/.exec(intent);
  const remove = /^weekly:remove:([1-7]):(\d{1,2})$/.exec(intent);
  if (add || remove) {
    const day = Number((add ?? remove)![1]) as Weekday;
    if (add && draft.days[day].length < MAX_RANGES_PER_DAY) draft.days[day].push({ start: "", end: "" });
    if (remove) draft.days[day] = draft.days[day].filter((_, i) => i !== Number(remove[2]));
    return data<ActionData>({ form: "weekly", draft, notice: "Not saved yet: press “Save weekly hours” when you are done." });
  }
  if (intent !== "save") return data<ActionData>({ form: "weekly", draft, formError: "Unknown action." }, { status: 400 });
  const result = validateWeeklyDraft(draft);
  if (!result.ok) return data<ActionData>({ form: "weekly", draft, fieldErrors: result.fieldErrors, formError: result.formError }, { status: 400 });
  await replaceWeeklySchedule(db, provider.id, result.timeZone, result.rules);
  await announceScheduleChanged(context, provider.id);
  return redirect(scopedHref(scope, "/provider/schedule", { saved: "weekly" }));
}

const WEEKLY_ORDER = ["timeZone", ...WEEKDAYS.flatMap((d) => Array.from({ length: MAX_RANGES_PER_DAY * 2 }, (_, i) => [`day-${d.number}-start-${i}`, `day-${d.number}-end-${i}`]).flat())];
const OVERRIDE_ORDER = ["overrideDate", "overrideStart", "overrideEnd", "overrideReason"];

export default function ProviderSchedule() {
  const loaderData = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionData | undefined;
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const weekly = result?.form === "weekly" ? result : undefined;
  const override = result?.form === "override" ? result : undefined;
  const weeklyDraft = weekly?.draft ?? loaderData.draft;
  const weeklyErrors = weekly?.fieldErrors;
  const weeklyFirst = firstError(weeklyErrors, WEEKLY_ORDER);
  const overrideErrors = override?.fieldErrors;
  const overrideFirst = firstError(overrideErrors, OVERRIDE_ORDER);
  const [overrideKind, setOverrideKind] = useState<"closed" | "hours">(override?.draft.kind ?? "closed");
  const zoneOptions = loaderData.zones.map((z) => ({ value: z, label: z.replace(/_/g, " ") }));

  return (
    <section className="provider-page" aria-labelledby="schedule-heading">
      <header className="page-header">
        <div>
          <h1 id="schedule-heading">Schedule</h1>
          <p className="muted">{loaderData.provider.displayName}: when customers can book you.</p>
        </div>
      </header>
      {loaderData.admin ? <AdminScopeNote providerName={loaderData.provider.displayName} providerId={loaderData.provider.id} choices={loaderData.admin.choices} /> : null}
      <FormMessage id="schedule-saved" success={result ? undefined : (loaderData.saved ?? undefined)} />

      <section className="panel" aria-labelledby="weekly-heading">
        <h2 id="weekly-heading">Weekly hours</h2>
        {/* key: a new draft from the server (after add/remove without JavaScript, or an error) replaces the rows. */}
        <Form method="post" className="provider-form" noValidate key={JSON.stringify(weeklyDraft)} aria-describedby={weekly?.formError || weekly?.notice ? "weekly-message" : undefined}>
          <AuthenticityTokenInput />
          <button type="submit" name="intent" value="save" className="visually-hidden" tabIndex={-1} aria-hidden="true">
            Save weekly hours
          </button>
          <FormMessage id="weekly-message" error={weekly?.formError} success={weekly?.notice} focus={Boolean(weekly?.formError) && !weeklyFirst} />
          <SelectField
            name="timeZone"
            label="Time zone"
            hint="Your weekly hours and date overrides are read in this zone; customers see times in their own."
            options={zoneOptions}
            defaultValue={weeklyDraft.timeZone}
            errors={weeklyErrors?.timeZone}
            focus={weeklyFirst === "timeZone"}
          />
          <p className="muted" id="weekly-hint">
            Add several ranges to a day for breaks (e.g. 09:00–12:00 and 13:00–17:00). An end time of 00:00 means midnight at the end of the day. Leave a day
            empty when you are closed.
          </p>
          <WeeklyHoursEditor draft={weeklyDraft} errors={weeklyErrors} maxRanges={MAX_RANGES_PER_DAY} focus={weeklyFirst} />
          <p>
            <button type="submit" name="intent" value="save" disabled={busy}>
              Save weekly hours
            </button>
          </p>
        </Form>
      </section>

      <section className="panel" aria-labelledby="overrides-heading">
        <h2 id="overrides-heading">Date overrides</h2>
        <p className="muted">A date override replaces the weekly hours of one date: close for a holiday, or open different hours.</p>
        {loaderData.overrides.length === 0 ? (
          <p>No upcoming overrides.</p>
        ) : (
          <ul className="override-list" data-testid="override-list">
            {loaderData.overrides.map((o) => (
              <li key={o.id}>
                <span>
                  <strong>{o.label}</strong>: {o.start ? `${o.start}–${o.end === "24:00" ? "midnight" : o.end}` : "closed"}
                  {o.reason ? <span className="muted"> · {o.reason}</span> : null}
                </span>
                <Form method="post">
                  <AuthenticityTokenInput />
                  <input type="hidden" name="overrideId" value={o.id} />
                  <button type="submit" name="intent" value="override:delete" className="secondary small">
                    Delete<span className="visually-hidden"> override for {o.label}</span>
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        )}

        <Form method="post" className="provider-form" noValidate key={override ? JSON.stringify(override.draft) : "new-override"} aria-describedby={override?.formError ? "override-message" : undefined}>
          <AuthenticityTokenInput />
          <button type="submit" name="intent" value="override:add" className="visually-hidden" tabIndex={-1} aria-hidden="true">
            Add override
          </button>
          <h3>Add an override</h3>
          <FormMessage id="override-message" error={override?.formError} focus={Boolean(override?.formError) && !overrideFirst} />
          <div className="field-row">
            <TextField
              name="overrideDate"
              label="Date"
              type="date"
              min={loaderData.today}
              required
              defaultValue={override?.draft.date ?? ""}
              errors={overrideErrors?.overrideDate}
              focus={overrideFirst === "overrideDate"}
            />
            <TextField
              name="overrideReason"
              label="Reason (optional)"
              maxLength={200}
              defaultValue={override?.draft.reason ?? ""}
              errors={overrideErrors?.overrideReason}
              focus={overrideFirst === "overrideReason"}
            />
          </div>
          <fieldset className="inline-choices">
            <legend>On that date</legend>
            <label className="choice">
              <input type="radio" name="overrideKind" value="closed" defaultChecked={overrideKind === "closed"} onChange={() => setOverrideKind("closed")} />
              <span>Closed all day</span>
            </label>
            <label className="choice">
              <input type="radio" name="overrideKind" value="hours" defaultChecked={overrideKind === "hours"} onChange={() => setOverrideKind("hours")} />
              <span>Open these hours instead</span>
            </label>
          </fieldset>
          <div className="field-row" data-disabled={overrideKind === "closed" ? "true" : undefined}>
            <TextField
              name="overrideStart"
              label="From"
              type="time"
              hint="Only for “open these hours”."
              defaultValue={override?.draft.start ?? ""}
              errors={overrideErrors?.overrideStart}
              focus={overrideFirst === "overrideStart"}
            />
            <TextField
              name="overrideEnd"
              label="To"
              type="time"
              hint="00:00 = midnight."
              defaultValue={override?.draft.end ?? ""}
              errors={overrideErrors?.overrideEnd}
              focus={overrideFirst === "overrideEnd"}
            />
          </div>
          <p>
            <button type="submit" name="intent" value="override:add" disabled={busy}>
              Add override
            </button>
          </p>
        </Form>
      </section>
    </section>
  );
}
