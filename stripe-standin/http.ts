// Small helpers over node:http: bounded body reading and the three kinds of answers the stand-in gives
// (JSON, HTML, redirect). Writes are skipped once the client has gone, e.g. after a held response.
import type { IncomingMessage, ServerResponse } from "node:http";

const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function writable(res: ServerResponse): boolean {
  return !res.headersSent && !res.destroyed && !res.writableEnded;
}

export function sendJson(res: ServerResponse, status: number, body: string | unknown, headers: Record<string, string> = {}): void {
  if (!writable(res)) return;
  const text = typeof body === "string" ? body : JSON.stringify(body, null, 2);
  res.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-cache, no-store", ...headers });
  res.end(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  if (!writable(res)) return;
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(html);
}

/** 303 so that the browser follows a form POST with a GET. */
export function redirect(res: ServerResponse, location: string): void {
  if (!writable(res)) return;
  res.writeHead(303, { Location: location, "Cache-Control": "no-store" });
  res.end();
}
