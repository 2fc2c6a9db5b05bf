// Text Postgres can store as sent. A NUL character is refused by Postgres' text type (a 500 if it
// got that far), and a lone UTF-16 surrogate cannot be encoded as UTF-8 at all (it would be stored
// silently as U+FFFD, a changed value). Neither has a use in a name, a note or a search, so input
// carrying them is refused at the edge, naming the field.

const NUL_OR_LONE_SURROGATE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE = "must not contain NUL characters or unpaired surrogates";

export function isStorableText(value: string): boolean {
  return !NUL_OR_LONE_SURROGATE.test(value);
}

/**
 * The path of the first string (or object key) in a JSON value that is not storable, e.g.
 * "customer.name" or "items.2", or null when every one is. `path` prefixes what is returned.
 */
export function findUnstorableText(value: unknown, path = ""): string | null {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (typeof value === "string") return isStorableText(value) ? null : path || "(body)";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], at(i));
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (!isStorableText(key)) return at(key.replace(NUL_OR_LONE_SURROGATE, "?"));
      const found = findUnstorableText(inner, at(key));
      if (found) return found;
    }
  }
  return null;
}
