// The first thing every page runs: when no zone is remembered yet, remember the browser's own, so the
// next page the visitor opens (a service's times, usually) is rendered in their zone by the server
// instead of in the provider's and then swapped. A zone chosen in the picker is never overwritten.
import { ZONE_COOKIE, ZONE_COOKIE_MAX_AGE_SECONDS } from "../utils/zone-cookie";

const SCRIPT = `(function(){try{if(document.cookie.split("; ").some(function(c){return c.indexOf(${JSON.stringify(`${ZONE_COOKIE}=`)})===0}))return;var z=Intl.DateTimeFormat().resolvedOptions().timeZone;if(z)document.cookie=${JSON.stringify(`${ZONE_COOKIE}=`)}+encodeURIComponent(z)+"; Path=/; SameSite=Lax; Max-Age=${ZONE_COOKIE_MAX_AGE_SECONDS}"}catch(e){}})()`;

export function RememberBrowserZone({ nonce }: { nonce: string | undefined }) {
  // The browser hides a script's nonce from the DOM, so hydration would see a difference that is not one.
  return <script nonce={nonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: SCRIPT }} />;
}
