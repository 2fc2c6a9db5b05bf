// Answers the provider object computed from its own state, reused while that state is unchanged:
// the losers of one contested time all ask for the same alternatives at once, and each computation
// is a provider-fortnight of slots. Cleared on every change the object announces (a booking, a hold,
// a release, a schedule edit); entries also age out after `maxAgeMs`, because notice and booking
// window move with the clock. Bounded, so keys chosen by callers cannot grow it without end.
export const MEMO_MAX_AGE_MS = 1_000;
const MAX_ENTRIES = 256;

export class AnswerMemo {
  private readonly entries = new Map<string, { atMs: number; value: Promise<unknown> }>();

  constructor(private readonly maxAgeMs = MEMO_MAX_AGE_MS) {}

  async get<T>(key: string, compute: () => Promise<T>, nowMs = Date.now()): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && nowMs - hit.atMs < this.maxAgeMs) return hit.value as Promise<T>;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const value = compute();
    this.entries.set(key, { atMs: nowMs, value });
    // A failed computation is not an answer to reuse.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
