import { render } from "@react-email/components";
import { localOutboxVisible } from "@/lib/env";
import { log } from "@/lib/log";
import { senderDefaults } from "@/server/email";
import type { EmailProvider } from "@/server/email/types";
import MagicLinkEmail from "~emails/magic-link";

export const MAGIC_LINK_MAX_AGE_SECONDS = 15 * 60;

/**
 * Emails a sign-in link. On the embedded local default (no provider, no real
 * database) the link is also printed to the server log so sign-in works on a
 * fresh machine; anywhere else it is never logged.
 */
export async function sendMagicLink(provider: EmailProvider, input: { email: string; url: string }) {
  const { host } = new URL(input.url);
  const defaults = senderDefaults();
  const props = {
    url: input.url,
    host,
    expiresInMinutes: MAGIC_LINK_MAX_AGE_SECONDS / 60,
    postalAddress: defaults.postalAddress,
  };
  const [html, text] = await Promise.all([render(MagicLinkEmail(props)), render(MagicLinkEmail(props), { plainText: true })]);
  await provider.send({
    to: [input.email],
    from: defaults.from,
    replyTo: defaults.replyTo,
    subject: "Your sign-in link for the VibrationFit CRM",
    html,
    text,
    tags: [{ name: "category", value: "sign_in" }],
  });
  if (provider.mode === "local-outbox" && localOutboxVisible()) {
    log("auth").info(`Sign-in link for ${input.email} (local outbox, also at /dev/outbox):\n  ${input.url}`);
  }
}
