// The API caller's cookie session, checked like the pages' (signed, unexpired and its row still live).
import { keyringOf } from "../auth/keyring";
import type { Session } from "../auth/session";
import { readLiveSession } from "../auth/session-store";
import type { ApiContext } from "./router";

export function apiSession(context: Pick<ApiContext, "request" | "config" | "database">): Promise<Session | null> {
  return readLiveSession(context.request, keyringOf(context.config), () => context.database.db);
}
