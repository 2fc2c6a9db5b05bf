// Where outgoing mail goes. Production: an HTTP email API (Resend's JSON shape) configured by
// EMAIL_API_URL + EMAIL_API_KEY. Locally: the dev mailbox, which sends nothing; the outbox rows are the
// mailbox and /dev/mailbox shows them.
import type { AppConfig } from "../env";

export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  attachments: Array<{ filename: string; contentType: string; content: string /* base64 */ }>;
}

export interface EmailSender {
  readonly name: string;
  send(email: OutgoingEmail): Promise<{ providerMessageId: string | null }>;
}

export const devMailboxSender: EmailSender = {
  name: "dev-mailbox",
  async send() {
    return { providerMessageId: null };
  },
};

export function httpEmailSender(url: string, apiKey: string, fetchImpl: typeof fetch = fetch): EmailSender {
  return {
    name: "http",
    async send(email) {
      const response = await fetchImpl(url, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          from: email.from,
          to: [email.to],
          subject: email.subject,
          text: email.text,
          ...(email.html ? { html: email.html } : {}),
          attachments: email.attachments.map((a) => ({ filename: a.filename, content: a.content, content_type: a.contentType })),
        }),
      });
      if (!response.ok) throw new Error(`email API answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      const body = (await response.json().catch(() => ({}))) as { id?: string };
      return { providerMessageId: body.id ?? null };
    },
  };
}

export function createEmailSender(config: AppConfig): EmailSender {
  if (config.EMAIL_API_URL) {
    if (!config.EMAIL_API_KEY) throw new Error("EMAIL_API_KEY is required when EMAIL_API_URL is set");
    return httpEmailSender(config.EMAIL_API_URL, config.EMAIL_API_KEY);
  }
  return devMailboxSender;
}
