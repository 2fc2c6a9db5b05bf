// The per-request CSP nonce, handed from the Worker (load context `cspNonce`) through entry.server.tsx
// (<NonceProvider value={nonce}>) to root.tsx, which passes it to <Scripts> and <ScrollRestoration>.
// On the client it is undefined: scripts run once from the server HTML and are not re-rendered.
import { createContext, useContext } from "react";

const NonceContext = createContext<string | undefined>(undefined);

export const NonceProvider = NonceContext.Provider;

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
