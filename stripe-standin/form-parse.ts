// Stripe's v1 API takes application/x-www-form-urlencoded bodies (and query strings for GET) with
// bracketed keys: `metadata[key]=v`, `capabilities[transfers][requested]=true`, arrays as `expand[0]=x`
// (what stripe-node sends) or `expand[]=x` (what curl users type). This turns them into nested values.
// Leaves stay strings: Stripe coerces per parameter, and so do the readers in params.ts.

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

export class FormParseError extends Error {}

/** Parses a form body or query string (leading "?" allowed) into nested objects and arrays. */
export function parseForm(input: string): FormObject {
  const root: FormObject = Object.create(null) as FormObject;
  const text = input.startsWith("?") ? input.slice(1) : input;
  if (text === "") return root;
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    const key = decode(rawKey);
    const value = decode(rawValue);
    assign(root, splitKey(key), value, key);
  }
  return arraysFromIndexedObjects(root, []) as FormObject;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    throw new FormParseError(`Invalid URL encoding in '${part}'`);
  }
}

/** `a[b][0][]` → ["a", "b", "0", ""]; an empty segment means "append". */
function splitKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) throw new FormParseError(`Invalid parameter name '${key}'`);
    segments.push(m[1] ?? "");
    consumed = m.index + m[0].length;
  }
  if (consumed !== rest.length) throw new FormParseError(`Invalid parameter name '${key}'`);
  return segments;
}

function assign(root: FormObject, path: string[], value: string, fullKey: string): void {
  let node: FormObject = root;
  for (let i = 0; i < path.length; i++) {
    let segment = path[i]!;
    const last = i === path.length - 1;
    if (segment === "") {
      // `a[]=x`: append at the next free numeric index; arraysFromIndexedObjects turns it into an array.
      segment = String(Object.keys(node).length);
    }
    if (last) {
      if (segment in node && typeof node[segment] !== "string") {
        throw new FormParseError(`Invalid parameters: '${fullKey}' conflicts with a nested value`);
      }
      node[segment] = value;
      return;
    }
    const existing = node[segment];
    if (existing === undefined) {
      const child = Object.create(null) as FormObject;
      node[segment] = child;
      node = child;
    } else if (typeof existing === "string" || Array.isArray(existing)) {
      throw new FormParseError(`Invalid parameters: '${fullKey}' conflicts with a plain value`);
    } else {
      node = existing;
    }
  }
}

/** Objects whose keys are exactly 0..n-1 become arrays, except under `metadata`, whose keys are free-form. */
function arraysFromIndexedObjects(value: FormValue, path: string[]): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  for (const k of keys) value[k] = arraysFromIndexedObjects(value[k]!, [...path, k]);
  const isMetadata = path[path.length - 1] === "metadata";
  const indexed = keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k));
  if (!isMetadata && indexed) {
    const sorted = keys.map(Number).sort((a, b) => a - b);
    if (sorted.every((n, i) => n === i)) return sorted.map((n) => value[String(n)]!);
  }
  return value;
}

/** Key-order-independent serialization, used to compare the parameters of idempotent requests. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}
