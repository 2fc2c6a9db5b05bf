// `expand[]=latest_charge` (or `data.latest_charge` on lists) replaces an ID with the object it names,
// as Stripe does; stripe-node users rely on it to avoid a second round trip.
import { paramError } from "./errors";
import type { State } from "./store";

const MAX_DEPTH = 4;

export function applyExpand(state: State, value: unknown, paths: readonly string[]): unknown {
  let result = value;
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > MAX_DEPTH) {
      throw paramError(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`, "expand");
    }
    result = expandAt(state, result, segments, path);
  }
  return result;
}

function expandAt(state: State, node: unknown, segments: string[], path: string): unknown {
  if (Array.isArray(node)) return node.map((item) => expandAt(state, item, segments, path));
  if (node === null || typeof node !== "object") return node;
  const [head, ...rest] = segments;
  if (head === undefined || !(head in node)) {
    throw paramError(`This property cannot be expanded (${path}).`, "expand");
  }
  const current = (node as Record<string, unknown>)[head];
  let next: unknown;
  if (rest.length > 0) {
    next = expandAt(state, current, rest, path);
  } else if (typeof current === "string") {
    const found = state.lookup(current);
    if (!found) throw paramError(`This property cannot be expanded (${path}).`, "expand");
    next = structuredClone(found);
  } else {
    next = current; // null, or already an object
  }
  return { ...(node as Record<string, unknown>), [head]: next };
}
