// The code that runs in workerd (app, workers, durable-objects, db, domain) must not reach for Node:
// there `process.env`, `node:fs` or `Buffer` type-check (Stripe's type definitions pull in @types/node
// for every project that compiles the Stripe code, so a separate Worker tsconfig cannot keep Node's
// globals out) and then fail only at run time inside workerd. This scan fails first, naming the line.
// Node-only entry points that never reach the Worker bundle are listed in NODE_ONLY.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const WORKER_CODE = ["app", "workers", "durable-objects", "db", "domain"];
/** Run by Node only: `npm run db:migrate` and the dev/test scripts. */
const NODE_ONLY = new Set(["db/migrate.ts"]);
const NODE_BUILTINS = ["fs", "path", "os", "child_process", "net", "http", "https", "url", "crypto", "stream", "util", "zlib", "worker_threads"];
const FORBIDDEN: Array<[RegExp, string]> = [
  [/from\s+["']node:[^"']+["']|import\(\s*["']node:/, "a node: import"],
  [new RegExp(`from\\s+["'](${NODE_BUILTINS.join("|")})["']`), "a Node built-in module"],
  [/\bprocess\.(env|argv|exit|cwd|on)\b/, "process (use the Worker's env bindings)"],
  [/\bBuffer\.(from|alloc|concat|isBuffer)\b/, "Buffer (use Uint8Array, TextEncoder, btoa)"],
  [/\b__dirname\b|\b__filename\b|\brequire\(/, "CommonJS globals"],
];

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return /\.(ts|tsx)$/.test(entry.name) ? [relative] : [];
  });
}

describe("code that runs in workerd", () => {
  it("uses no Node-only API", () => {
    const files = WORKER_CODE.flatMap(sources).filter((file) => !NODE_ONLY.has(file));
    expect(files.length).toBeGreaterThan(100);
    const offences: string[] = [];
    for (const file of files) {
      fs.readFileSync(path.join(root, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*)/.test(line)) return; // comments may name what they avoid
          for (const [pattern, what] of FORBIDDEN) if (pattern.test(line)) offences.push(`${file}:${i + 1}: ${what}: ${line.trim()}`);
        });
    }
    expect(offences).toEqual([]);
  });

  it("would catch one (the scan is not vacuous)", () => {
    const sample = 'import fs from "node:fs";\nconst key = process.env.SECRET;\nconst b = Buffer.from("x");';
    const hits = sample.split("\n").filter((line) => FORBIDDEN.some(([pattern]) => pattern.test(line)));
    expect(hits).toHaveLength(3);
  });
});
