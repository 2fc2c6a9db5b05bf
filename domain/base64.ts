// Base64 in one place (Web APIs only: btoa/atob work on binary strings). base64url (RFC 4648 §5,
// no padding) is what tokens, cookies and hashes use; plain base64 is for the CSP nonce and mail
// attachments.

function binaryOf(bytes: ArrayBuffer | Uint8Array): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return binary;
}

export function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(binaryOf(bytes));
}

export function toBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The bytes of base64url text (padding optional); throws on text that is not base64 at all (atob does). */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}
