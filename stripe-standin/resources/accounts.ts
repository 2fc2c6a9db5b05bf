// Connected accounts (Express-like) and Account Links. A new account can neither charge nor receive
// payouts; completing the hosted onboarding page (or the control API's shortcut) turns both on and emits
// account.updated, which is how the product learns that a provider can be paid.
import type Stripe from "stripe";
import type { Ctx } from "../context";
import { paramError } from "../errors";
import { newId, nowSeconds, randomToken } from "../ids";
import { LIST_PARAMS, listObject } from "../pagination";
import { applyMetadata, bool, metadata, nullableStr, obj, oneOf, rejectUnknown, str, url, type Params } from "../params";
import type { AccountLinkRecord } from "../store";

const CREATE_PARAMS = [
  "account_token", "business_profile", "business_type", "capabilities", "company", "controller", "country",
  "default_currency", "documents", "email", "expand", "external_account", "groups", "individual", "metadata",
  "settings", "tos_acceptance", "type",
] as const satisfies readonly (keyof Stripe.AccountCreateParams)[];

const UPDATE_PARAMS = [
  "account_token", "business_profile", "business_type", "capabilities", "company", "default_currency", "documents",
  "email", "expand", "external_account", "groups", "individual", "metadata", "settings", "tos_acceptance",
] as const satisfies readonly (keyof Stripe.AccountUpdateParams)[];

const LINK_PARAMS = [
  "account", "type", "collect", "collection_options", "expand", "refresh_url", "return_url",
] as const satisfies readonly (keyof Stripe.AccountLinkCreateParams)[];

const CURRENCY_BY_COUNTRY: Record<string, string> = {
  US: "usd", GB: "gbp", CA: "cad", AU: "aud", NZ: "nzd", CH: "chf", JP: "jpy", SG: "sgd", HK: "hkd",
  SE: "sek", NO: "nok", DK: "dkk", PL: "pln", CZ: "czk", MX: "mxn", BR: "brl",
};
const EURO_COUNTRIES = ["AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PT", "SI", "SK"];

const DUE_BEFORE_ONBOARDING = ["business_profile.url", "external_account", "tos_acceptance.date", "tos_acceptance.ip"];

type CapabilityStatus = "active" | "inactive" | "pending";

export function createAccount(ctx: Ctx, params: Params): Stripe.Account {
  rejectUnknown(params, CREATE_PARAMS);
  const controller = obj(params, "controller");
  const type = oneOf(params, "type", ["custom", "express", "standard"] as const) ?? typeFromController(controller);
  const country = (str(params, "country") ?? "US").toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) throw paramError(`Invalid country: ${country}`, "country", "country_unsupported");
  const defaultCurrency =
    str(params, "default_currency")?.toLowerCase() ?? CURRENCY_BY_COUNTRY[country] ?? (EURO_COUNTRIES.includes(country) ? "eur" : "usd");
  const requested = requestedCapabilities(params);
  const profile = obj(params, "business_profile");
  const id = newId("acct");
  const capabilities: Record<string, CapabilityStatus> = {};
  for (const name of requested) capabilities[name] = "inactive";

  const account: Stripe.Account = {
    id,
    object: "account",
    business_profile: {
      mcc: (profile && str(profile, "mcc")) ?? null,
      minority_owned_business_designation: null,
      name: (profile && str(profile, "name")) ?? null,
      product_description: (profile && str(profile, "product_description")) ?? null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: (profile && str(profile, "support_email")) ?? null,
      support_phone: null,
      support_url: null,
      url: (profile && str(profile, "url")) ?? null,
    },
    business_type: oneOf(params, "business_type", ["company", "government_entity", "individual", "non_profit"] as const) ?? null,
    capabilities: capabilities as Stripe.Account.Capabilities,
    charges_enabled: false,
    controller: controllerFor(type),
    country,
    created: nowSeconds(),
    default_currency: defaultCurrency,
    details_submitted: false,
    email: str(params, "email") ?? null,
    external_accounts: { object: "list", data: [], has_more: false, url: `/v1/accounts/${id}/external_accounts` },
    metadata: applyMetadata({}, metadata(params)),
    payouts_enabled: false,
    requirements: requirements(false),
    type,
  };
  return ctx.state.accounts.add(account);
}

function typeFromController(controller: Params | undefined): Stripe.Account.Type {
  const dashboard = controller && obj(controller, "stripe_dashboard");
  const kind = dashboard && str(dashboard, "type");
  if (kind === "express") return "express";
  if (kind === "none") return "custom";
  return controller ? "none" : "standard";
}

function controllerFor(type: Stripe.Account.Type): Stripe.Account.Controller {
  if (type === "standard") return { type: "account", is_controller: false };
  return {
    type: "application",
    is_controller: true,
    fees: { payer: "application" },
    losses: { payments: "application" },
    requirement_collection: type === "custom" ? "application" : "stripe",
    stripe_dashboard: { type: type === "express" ? "express" : "none" },
  };
}

function requirements(onboarded: boolean): Stripe.Account.Requirements {
  const due = onboarded ? [] : [...DUE_BEFORE_ONBOARDING];
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: due,
    disabled_reason: onboarded ? null : "requirements.past_due",
    errors: [],
    eventually_due: [...due],
    past_due: [...due],
    pending_verification: [],
  };
}

/** `capabilities[transfers][requested]=true` → ["transfers"]. */
function requestedCapabilities(params: Params): string[] {
  const caps = obj(params, "capabilities");
  if (!caps) return [];
  return Object.keys(caps).filter((name) => {
    const entry = obj(caps, name);
    return entry ? bool(entry, "requested") === true : false;
  });
}

export function retrieveAccount(ctx: Ctx, id: string, params: Params): Stripe.Account {
  rejectUnknown(params, ["expand"]);
  return ctx.state.accounts.fromPath(id, "account");
}

export function listAccounts(ctx: Ctx, params: Params): Stripe.ApiList<Stripe.Account> {
  rejectUnknown(params, LIST_PARAMS);
  return listObject(ctx.state.accounts.newestFirst(), params, "/v1/accounts");
}

export function updateAccount(ctx: Ctx, id: string, params: Params): Stripe.Account {
  rejectUnknown(params, UPDATE_PARAMS);
  const account = ctx.state.accounts.fromPath(id, "account");
  const previous: Record<string, unknown> = {};
  const email = nullableStr(params, "email");
  const change = metadata(params);
  const newCaps = requestedCapabilities(params);
  const profile = obj(params, "business_profile");

  if (email !== undefined && email !== account.email) {
    previous.email = account.email;
    account.email = email;
  }
  if (change) {
    previous.metadata = account.metadata;
    account.metadata = applyMetadata(account.metadata ?? {}, change);
  }
  if (newCaps.length > 0) {
    const caps = { ...(account.capabilities as Record<string, CapabilityStatus>) };
    previous.capabilities = account.capabilities;
    for (const name of newCaps) caps[name] = account.details_submitted ? "active" : "inactive";
    account.capabilities = caps as Stripe.Account.Capabilities;
  }
  if (profile && account.business_profile) {
    previous.business_profile = structuredClone(account.business_profile);
    const bp = account.business_profile;
    bp.name = str(profile, "name") ?? bp.name;
    bp.url = str(profile, "url") ?? bp.url;
    bp.mcc = str(profile, "mcc") ?? bp.mcc;
    bp.product_description = str(profile, "product_description") ?? bp.product_description;
    bp.support_email = str(profile, "support_email") ?? bp.support_email;
  }
  if (Object.keys(previous).length > 0) ctx.emit("account.updated", account, { previous, account: account.id });
  return account;
}

export function deleteAccount(ctx: Ctx, id: string, params: Params): Stripe.DeletedAccount {
  rejectUnknown(params, []);
  ctx.state.accounts.fromPath(id, "account");
  ctx.state.accounts.delete(id);
  return { id, object: "account", deleted: true };
}

/** What the hosted onboarding page does when the provider finishes it. */
export function completeOnboarding(ctx: Ctx, accountId: string): Stripe.Account {
  const account = ctx.state.accounts.fromPath(accountId, "account");
  if (account.details_submitted && account.charges_enabled && account.payouts_enabled) return account;
  const previous = {
    charges_enabled: account.charges_enabled,
    payouts_enabled: account.payouts_enabled,
    details_submitted: account.details_submitted,
    capabilities: structuredClone(account.capabilities),
    requirements: structuredClone(account.requirements),
  };
  const caps = { ...(account.capabilities as Record<string, CapabilityStatus>) };
  // Express accounts in the product request transfers; default to it so payouts can flow.
  if (Object.keys(caps).length === 0) caps.transfers = "inactive";
  for (const name of Object.keys(caps)) caps[name] = "active";
  account.capabilities = caps as Stripe.Account.Capabilities;
  account.charges_enabled = true;
  account.payouts_enabled = true;
  account.details_submitted = true;
  account.requirements = requirements(true);
  ctx.emit("account.updated", account, { previous, account: account.id });
  return account;
}

export function createAccountLink(ctx: Ctx, params: Params): Stripe.AccountLink {
  rejectUnknown(params, LINK_PARAMS);
  const accountId = str(params, "account", { required: true })!;
  const type = oneOf(params, "type", ["account_onboarding", "account_update"] as const, { required: true })!;
  const refreshUrl = url(params, "refresh_url");
  const returnUrl = url(params, "return_url");
  ctx.state.accounts.fromParam(accountId, "account");
  const created = nowSeconds();
  const record: AccountLinkRecord = {
    token: randomToken(32),
    account: accountId,
    type,
    refreshUrl: refreshUrl ?? null,
    returnUrl: returnUrl ?? null,
    // Stripe's links expire after a few minutes and can be used once.
    expiresAt: created + 300,
    used: false,
  };
  ctx.state.accountLinks.set(record.token, record);
  return {
    object: "account_link",
    created,
    expires_at: record.expiresAt,
    url: new URL(`/connect/onboarding/${record.token}`, ctx.publicBaseUrl).toString(),
  };
}
