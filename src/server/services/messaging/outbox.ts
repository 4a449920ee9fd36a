import { randomUUID } from "node:crypto";
import { emailMode, localOutboxVisible } from "@/lib/env";
import { getOutboxEmail, listOutbox } from "@/server/email/local-outbox-provider";
import type { Actor, TServiceArgs } from "../context";
import { InvalidInputError, NotFoundError } from "../errors";
import { recordInboundReply } from "./receive-reply";
import { threadOfReplyAddress } from "./reply-address";

const GONE = "The local outbox exists only on the embedded database with no email provider";

/** The local outbox's newest emails. Anywhere but the embedded local default it does not exist. */
export async function readOutbox({ ctx }: TServiceArgs<void>) {
  if (!localOutboxVisible()) throw new NotFoundError(GONE);
  return { mode: emailMode(), items: await listOutbox(ctx.db, 100) };
}

/** One email of the local outbox, whole (sign-in links included). */
export async function readOutboxEmail({ ctx, input }: TServiceArgs<{ id: string }>) {
  if (!localOutboxVisible()) throw new NotFoundError(GONE);
  const row = await getOutboxEmail(ctx.db, input.id);
  if (!row) throw new NotFoundError("That email is not in the outbox");
  return row;
}

/**
 * Locally, a reply to an outbox email, as if its reader answered it: the
 * same path a real reply takes after Resend's webhook (recordInboundReply),
 * from the address given (the reader's by default; another one lands in
 * quarantine).
 */
export async function simulateReply({ ctx, input }: TServiceArgs<{ id: string; from?: string; content: string }, Actor>) {
  if (!localOutboxVisible()) throw new NotFoundError(GONE);
  const row = await getOutboxEmail(ctx.db, input.id);
  if (!row) throw new NotFoundError("That email is not in the outbox");
  if (!row.replyTo || !threadOfReplyAddress(row.replyTo)) throw new InvalidInputError("This email has no reply address of a thread");
  const content = input.content.trim();
  if (!content || content.length > 10_000) throw new InvalidInputError("Write a reply of 1 to 10,000 characters");
  return recordInboundReply({
    ctx,
    input: {
      eventId: `simulated-${randomUUID()}`,
      providerEmailId: null,
      from: input.from?.trim() || row.to[0] || "",
      to: [row.replyTo],
      subject: `Re: ${row.subject}`,
      text: content,
      html: null,
      at: ctx.clock(),
    },
  });
}
