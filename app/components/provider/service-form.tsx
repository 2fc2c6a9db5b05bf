// The service editor, shared by /provider/services/new and /provider/services/:id. A plain POST form
// (works without JavaScript); refund tiers are rows named tier-<n>-hours / tier-<n>-percent whose
// "Add tier" / "Remove" buttons are submit buttons the server handles without saving, and which
// change the rows in place when JavaScript runs.
import { Form, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { AuthenticityTokenInput } from "../authenticity-token-input";
import type { ServiceInput } from "../../../workers/services/service-rules";
import { CheckboxField, FormMessage, SelectField, TextAreaField, TextField, fieldId, firstError, type FieldErrors } from "./form-controls";

/** Every field as typed (numbers as strings), so a rejected form comes back exactly as submitted. */
export type ServiceDraft = ServiceInput;

/** Currencies offered in the editor (a service's existing currency is always offered too). */
export const CURRENCIES = ["usd", "eur", "gbp", "aud", "cad", "nzd", "chf", "sek", "nok", "dkk", "jpy", "inr", "npr"] as const;
export { MAX_TIERS } from "../../../domain/provider-setup";

export const tierFieldName = (index: number, part: "hours" | "percent") => `tier-${index}-${part}`;

const FIELD_ORDER = [
  "name",
  "description",
  "category",
  "durationMinutes",
  "price",
  "currency",
  "bufferBeforeMinutes",
  "bufferAfterMinutes",
  "slotIntervalMinutes",
  "minNoticeMinutes",
  "bookingWindowDays",
];

export function ServiceForm({
  draft,
  errors,
  formError,
  success,
  currencies,
  submitLabel,
  maxTiers,
}: {
  draft: ServiceDraft;
  errors?: FieldErrors;
  formError?: string;
  success?: string;
  currencies: readonly string[];
  submitLabel: string;
  maxTiers: number;
}) {
  const navigation = useNavigation();
  const counter = useRef(0);
  const [tiers, setTiers] = useState(() => draft.tiers.map((t) => ({ ...t, key: `t${counter.current++}` })));
  const [focusTarget, setFocusTarget] = useState<string | null>(null);
  useEffect(() => {
    if (!focusTarget) return;
    document.getElementById(focusTarget)?.focus();
    setFocusTarget(null);
  }, [focusTarget]);
  const first = firstError(errors, FIELD_ORDER);
  const currencyOptions = [...new Set([...currencies, draft.currency].filter(Boolean))].map((c) => ({ value: c, label: c.toUpperCase() }));
  const busy = navigation.state === "submitting";

  return (
    <Form method="post" className="provider-form" aria-describedby={formError ? "service-form-message" : undefined} noValidate>
      <AuthenticityTokenInput />
      {/* The first submit button is what Enter in a text field presses: make that "save", not "add tier". */}
      <button type="submit" name="intent" value="save" className="visually-hidden" tabIndex={-1} aria-hidden="true">
        {submitLabel}
      </button>
      <FormMessage id="service-form-message" error={formError} success={success} focus={Boolean(formError) && !first} />

      <fieldset>
        <legend>About the service</legend>
        <TextField name="name" label="Name" required maxLength={120} defaultValue={draft.name} errors={errors?.name} focus={first === "name"} />
        <TextAreaField
          name="description"
          label="Description"
          rows={4}
          maxLength={2000}
          defaultValue={draft.description}
          errors={errors?.description}
          focus={first === "description"}
        />
        <TextField
          name="category"
          label="Category"
          required
          maxLength={60}
          hint="Customers filter by it, e.g. Hair, Yoga, Physiotherapy."
          defaultValue={draft.category}
          errors={errors?.category}
          focus={first === "category"}
        />
        <CheckboxField name="isActive" label="Active (customers can book it)" defaultChecked={draft.isActive} />
        <CheckboxField
          name="requiresApproval"
          label="Requires my approval"
          hint="The customer's card is only authorised; you accept or decline each booking."
          defaultChecked={draft.requiresApproval}
        />
      </fieldset>

      <fieldset>
        <legend>Price</legend>
        <div className="field-row">
          <TextField
            name="price"
            label="Price"
            inputMode="decimal"
            autoComplete="off"
            required
            hint="In the currency's main unit, e.g. 55.00."
            defaultValue={draft.price}
            errors={errors?.price}
            focus={first === "price"}
          />
          <SelectField name="currency" label="Currency" options={currencyOptions} defaultValue={draft.currency} errors={errors?.currency} focus={first === "currency"} />
        </div>
      </fieldset>

      <fieldset>
        <legend>Timing (minutes unless stated)</legend>
        <div className="field-grid">
          <TextField
            name="durationMinutes"
            label="Duration"
            type="number"
            min={1}
            max={1440}
            step={1}
            inputMode="numeric"
            required
            defaultValue={draft.durationMinutes}
            errors={errors?.durationMinutes}
            focus={first === "durationMinutes"}
          />
          <TextField
            name="slotIntervalMinutes"
            label="Slot interval"
            type="number"
            min={1}
            max={1440}
            step={1}
            inputMode="numeric"
            hint="Start times every … minutes."
            defaultValue={draft.slotIntervalMinutes}
            errors={errors?.slotIntervalMinutes}
            focus={first === "slotIntervalMinutes"}
          />
          <TextField
            name="bufferBeforeMinutes"
            label="Buffer before"
            type="number"
            min={0}
            max={1440}
            step={1}
            inputMode="numeric"
            defaultValue={draft.bufferBeforeMinutes}
            errors={errors?.bufferBeforeMinutes}
            focus={first === "bufferBeforeMinutes"}
          />
          <TextField
            name="bufferAfterMinutes"
            label="Buffer after"
            type="number"
            min={0}
            max={1440}
            step={1}
            inputMode="numeric"
            defaultValue={draft.bufferAfterMinutes}
            errors={errors?.bufferAfterMinutes}
            focus={first === "bufferAfterMinutes"}
          />
          <TextField
            name="minNoticeMinutes"
            label="Minimum notice"
            type="number"
            min={0}
            max={527040}
            step={1}
            inputMode="numeric"
            hint="How soon before the start a booking is still allowed."
            defaultValue={draft.minNoticeMinutes}
            errors={errors?.minNoticeMinutes}
            focus={first === "minNoticeMinutes"}
          />
          <TextField
            name="bookingWindowDays"
            label="Booking window (days)"
            type="number"
            min={1}
            max={3660}
            step={1}
            inputMode="numeric"
            hint="How far ahead customers can book."
            defaultValue={draft.bookingWindowDays}
            errors={errors?.bookingWindowDays}
            focus={first === "bookingWindowDays"}
          />
        </div>
      </fieldset>

      <fieldset>
        <legend>Cancellation policy</legend>
        <p className="muted" id="tiers-hint">
          Refund when the customer cancels at least this many hours before the start. Tiers are kept in order of hours, largest first; cancelling later never refunds
          more. If you cancel, the customer always gets a full refund.
        </p>
        <table className="tiers">
          <thead>
            <tr>
              <th scope="col">Hours before the start</th>
              <th scope="col">Refund %</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tiers.map((tier, index) => {
              const hoursName = tierFieldName(index, "hours");
              const percentName = tierFieldName(index, "percent");
              const tierErrors = [...(errors?.[hoursName] ?? []), ...(errors?.[percentName] ?? [])];
              const errorId = `tier-${index}-errors`;
              return (
                <tr key={tier.key}>
                  <td>
                    <label htmlFor={fieldId(hoursName)} className="visually-hidden">
                      Tier {index + 1}: hours before the start
                    </label>
                    <input
                      id={fieldId(hoursName)}
                      name={hoursName}
                      type="number"
                      min={0}
                      max={8784}
                      step={1}
                      inputMode="numeric"
                      defaultValue={tier.hours}
                      aria-invalid={errors?.[hoursName]?.length ? true : undefined}
                      aria-describedby={tierErrors.length ? `${errorId} tiers-hint` : "tiers-hint"}
                      autoFocus={first === hoursName || undefined}
                    />
                  </td>
                  <td>
                    <label htmlFor={fieldId(percentName)} className="visually-hidden">
                      Tier {index + 1}: refund percent
                    </label>
                    <input
                      id={fieldId(percentName)}
                      name={percentName}
                      type="number"
                      min={0}
                      max={100}
                      step={1}
                      inputMode="numeric"
                      defaultValue={tier.percent}
                      aria-invalid={errors?.[percentName]?.length ? true : undefined}
                      aria-describedby={tierErrors.length ? errorId : undefined}
                      autoFocus={first === percentName || undefined}
                    />
                    {tierErrors.length ? (
                      <span id={errorId} className="error field-error">
                        {tierErrors.join(" ")}
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <button
                      type="submit"
                      name="intent"
                      value={`tiers:remove:${index}`}
                      className="secondary small"
                      formNoValidate
                      onClick={(event) => {
                        event.preventDefault();
                        setTiers((current) => current.filter((_, i) => i !== index));
                        setFocusTarget("add-tier");
                      }}
                    >
                      Remove<span className="visually-hidden"> tier {index + 1}</span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {tiers.length < maxTiers ? (
          <button
            id="add-tier"
            type="submit"
            name="intent"
            value="tiers:add"
            className="secondary small"
            formNoValidate
            onClick={(event) => {
              event.preventDefault();
              setFocusTarget(fieldId(tierFieldName(tiers.length, "hours")));
              setTiers((current) => [...current, { hours: "", percent: "", key: `t${counter.current++}` }]);
            }}
          >
            Add tier
          </button>
        ) : null}
      </fieldset>

      <p>
        <button type="submit" name="intent" value="save" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </p>
    </Form>
  );
}
