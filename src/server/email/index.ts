import { emailMode, env, type TEnv } from "@/lib/env";
import type { DbOrTx } from "@/server/db/client";
import { LocalOutboxProvider } from "./local-outbox-provider";
import { ResendProvider } from "./resend-provider";
import type { EmailProvider } from "./types";

export * from "./types";

/** The configured provider: Resend when RESEND_API_KEY is set, else the local outbox. */
export function createEmailProvider(db: DbOrTx, e: TEnv = env()): EmailProvider {
  if (emailMode(e) === "resend" && e.RESEND_API_KEY) return new ResendProvider(e.RESEND_API_KEY, e.RESEND_BASE_URL);
  return new LocalOutboxProvider(db);
}

export function senderDefaults(e: TEnv = env()) {
  return { from: e.EMAIL_FROM, replyTo: e.EMAIL_REPLY_TO, postalAddress: e.COMPANY_POSTAL_ADDRESS };
}
