// Minimal, escaped-by-default HTML for the stand-in's pages (checkout, 3D Secure, onboarding).
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join("");
  if (value === null || value === undefined || value === false) return "";
  return escapeHtml(String(value));
}

/** Tagged template: interpolated values are escaped unless they are Html already. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? "");
  });
  return new Html(out);
}

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; background: #f6f8fa; color: #1a1f36; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  .banner { background: #fff4e5; color: #7a4b00; padding: .5rem 1rem; text-align: center; font-size: .9rem; }
  fieldset { border: 1px solid #d5dbe1; border-radius: 6px; padding: 1rem; }
  label { display: block; padding: .35rem 0; cursor: pointer; }
  button { font: inherit; padding: .6rem 1.2rem; margin: .5rem .5rem 0 0; border-radius: 6px; border: 1px solid #635bff; background: #635bff; color: #fff; cursor: pointer; }
  button.secondary { background: #fff; color: #635bff; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
  [role=alert] { color: #b3093c; font-weight: 600; }
  .amount { display: block; font-size: 2rem; font-weight: 700; margin: .25rem 0 1rem; }
  code { font-size: .85em; }
`;

/** A complete, accessible document: language, title, a single main landmark, a visible test-mode banner. */
export function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Stripe stand-in</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<div class="banner" role="note">Test mode: Stripe stand-in. No real money moves.</div>
<main>
${body}
</main>
</body>
</html>`.text;
}
