// Typed readers over a parsed form body. Stripe validates every parameter and names the offending one
// (`param`) in its error; mirroring that, including "Received unknown parameter", catches a typo in the
// product's Stripe calls locally instead of in production. All failures are ParamErrors (see errors.ts).
import { paramError, missingParam, unknownParam } from "./errors";
import type { FormObject, FormValue } from "./form-parse";

export type Params = FormObject;

/** Rejects top-level parameters the endpoint does not know, like Stripe does. */
export function rejectUnknown(params: Params, allowed: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw unknownParam(key);
  }
}

function scalar(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw paramError(`Invalid string: ${describe(value)}`, name);
  return value;
}

function describe(value: FormValue): string {
  return typeof value === "string" ? value : Array.isArray(value) ? "an array" : "a hash";
}

export function str(params: Params, name: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const value = scalar(params, name);
  if (value === undefined || value === "") {
    if (opts.required) throw missingParam(name);
    return undefined;
  }
  if (opts.max !== undefined && value.length > opts.max) {
    throw paramError(`Invalid ${name}: must be at most ${opts.max} characters`, name);
  }
  return value;
}

/** Like str, but an explicit empty string means "unset" (Stripe's convention) and yields null. */
export function nullableStr(params: Params, name: string): string | null | undefined {
  const value = scalar(params, name);
  if (value === undefined) return undefined;
  return value === "" ? null : value;
}

export function int(params: Params, name: string, opts: { required?: boolean; min?: number } = {}): number | undefined {
  const value = scalar(params, name);
  if (value === undefined || value === "") {
    if (opts.required) throw missingParam(name);
    return undefined;
  }
  if (!/^-?\d+$/.test(value)) throw paramError(`Invalid integer: ${value}`, name, "parameter_invalid_integer");
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw paramError(`Invalid integer: ${value}`, name, "parameter_invalid_integer");
  if (opts.min !== undefined && n < opts.min) {
    const what = opts.min === 1 ? "positive integer" : `integer (at least ${opts.min})`;
    throw paramError(`Invalid ${what}: ${value}`, name, "parameter_invalid_integer");
  }
  return n;
}

export function bool(params: Params, name: string): boolean | undefined {
  const value = scalar(params, name);
  if (value === undefined || value === "") return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw paramError(`Invalid boolean: ${value}`, name);
}

export function oneOf<T extends string>(
  params: Params,
  name: string,
  values: readonly T[],
  opts: { required?: boolean } = {},
): T | undefined {
  const value = str(params, name, opts);
  if (value === undefined) return undefined;
  if (!(values as readonly string[]).includes(value)) {
    throw paramError(`Invalid ${name}: must be one of ${values.join(", ")}`, name);
  }
  return value as T;
}

export function obj(params: Params, name: string): Params | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value === "string" || Array.isArray(value)) throw paramError(`Invalid object`, name);
  return value;
}

export function strArray(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string")) {
    throw paramError(`Invalid array`, name);
  }
  return value;
}

export function currency(params: Params, name = "currency", opts: { required?: boolean } = { required: true }): string | undefined {
  const value = str(params, name, opts);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (!/^[a-z]{3}$/.test(lower)) throw paramError(`Invalid currency: ${value}.`, name);
  return lower;
}

export interface MetadataChange {
  /** `metadata=""` clears every key. */
  clear: boolean;
  /** Keys to set; a null value (sent as `metadata[key]=`) removes the key. */
  set: Record<string, string | null>;
}

export function metadata(params: Params, name = "metadata"): MetadataChange | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (value === "") return { clear: true, set: {} };
  if (typeof value === "string" || Array.isArray(value)) throw paramError("Invalid hash", name);
  const set: Record<string, string | null> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") throw paramError(`Invalid value for metadata key ${key}: must be a string`, `${name}[${key}]`);
    if (key.length > 40) throw paramError(`Metadata keys can have up to 40 characters.`, `${name}[${key}]`);
    if (v.length > 500) throw paramError(`Metadata values can have up to 500 characters.`, `${name}[${key}]`);
    set[key] = v === "" ? null : v;
  }
  return { clear: false, set };
}

/** Applies a metadata change to an object's metadata, enforcing Stripe's 50-key limit. */
export function applyMetadata(current: Record<string, string>, change: MetadataChange | undefined, name = "metadata"): Record<string, string> {
  if (!change) return current;
  const next: Record<string, string> = change.clear ? {} : { ...current };
  for (const [key, value] of Object.entries(change.set)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > 50) throw paramError("Metadata can have up to 50 keys.", name);
  return next;
}

/** A `created` filter: an integer or a hash with gt/gte/lt/lte. */
export function createdFilter(params: Params): ((created: number) => boolean) | undefined {
  const value = params.created;
  if (value === undefined || value === "") return undefined;
  if (typeof value === "string") {
    const exact = int(params, "created");
    return (c) => c === exact;
  }
  if (Array.isArray(value)) throw paramError("Invalid created filter", "created");
  const bound = (op: string) => int(value, op);
  const [gt, gte, lt, lte] = [bound("gt"), bound("gte"), bound("lt"), bound("lte")];
  return (c) =>
    (gt === undefined || c > gt) && (gte === undefined || c >= gte) && (lt === undefined || c < lt) && (lte === undefined || c <= lte);
}

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

/** An absolute http(s) URL, such as a return_url. */
export function url(params: Params, name: string): string | undefined {
  const value = str(params, name);
  if (value !== undefined && !isHttpUrl(value)) throw paramError("Not a valid URL", name, "url_invalid");
  return value;
}
