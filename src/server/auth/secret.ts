import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

let generated: { file: string; secret: string } | null = null;

/**
 * AUTH_SECRET, or in local (embedded) mode a random secret created once and
 * kept next to the embedded database, so a fresh clone signs in with no setup
 * and sessions survive restarts. Production with DATABASE_URL must set it.
 * The file is read once per process (every unsubscribe link is signed with
 * this, a campaign's worth per batch).
 */
export function authSecret(): string {
  const e = env();
  if (e.AUTH_SECRET) return e.AUTH_SECRET;
  const file = path.join(path.dirname(path.resolve(e.PGLITE_DIR)), "auth-secret");
  if (generated?.file === file) return generated.secret;
  let secret: string;
  if (existsSync(file)) secret = readFileSync(file, "utf8").trim();
  else {
    mkdirSync(path.dirname(file), { recursive: true });
    secret = randomBytes(32).toString("base64url");
    writeFileSync(file, secret, { mode: 0o600 });
  }
  generated = { file, secret };
  return secret;
}
