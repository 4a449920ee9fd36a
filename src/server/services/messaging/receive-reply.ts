import { desc, sql } from "drizzle-orm";
import { z } from "zod";
import { executeRows } from "@/server/db/client";
import { crmInboundQuarantine, crmMessages } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import type { Actor, TServiceArgs, WebhookActor } from "../context";
import { loadRecipients } from "./recipients";
import { bareAddress, threadOfReplyAddress } from "./reply-address";

/*
 * Email replies come back into the conversation. A one-on-one email carries
 * Reply-To reply+<signed thread token>@<inbound domain> (reply-address.ts);
 * Resend receives the reply and sends an `email.received` webhook with the
 * envelope only, and the content is read through its receiving API. The
 * reply joins the thread as an unread inbound email when its sender is the
 * thread's user; anything else (another sender, an address naming no thread)
 * goes to the quarantine list, never into a thread.
 */

export const MAX_REPLY_CHARS = 10_000;
const MAX_PARSED_CHARS = 100_000;

export const ZReceivedEvent = z.object({
  type: z.literal("email.received"),
  created_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "created_at is not a date"),
  data: z.object({
    email_id: z.string().min(1).max(200),
    from: z.string().min(3).max(500),
    to: z.array(z.string().max(500)).max(50),
    received_for: z.array(z.string().max(500)).max(50).optional(),
    subject: z.string().max(2000).optional(),
  }),
});
export type TReceivedEvent = z.infer<typeof ZReceivedEvent>;

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&nbsp;": " " };

/** A received HTML body as text: Gmail's and Outlook's quoted blocks dropped, line breaks kept, tags removed. */
export function htmlToText(html: string): string {
  // A received email is anyone's input: only string searches and regexes that cannot backtrack across the text
  // (no `[^>]*` that could run to the end from every `<`), so the cost stays linear in its length.
  const lower = html.toLowerCase();
  const starts = ["gmail_quote", "yahoo_quoted", 'id="divrplyfwdmsg"', 'id="appendonsend"']
    .map((marker) => lower.indexOf(marker))
    .filter((i) => i >= 0)
    .map((i) => lower.lastIndexOf("<", i));
  const blockquote = lower.indexOf("<blockquote");
  if (blockquote >= 0) starts.push(blockquote);
  const cut = starts.length ? Math.min(...starts) : html.length;
  let kept = html.slice(0, cut);
  for (const tag of ["script", "style"]) {
    let out = "";
    let from = 0;
    const low = kept.toLowerCase();
    for (let open = low.indexOf(`<${tag}`, from); open >= 0; open = low.indexOf(`<${tag}`, from)) {
      const close = low.indexOf(`</${tag}>`, open);
      out += kept.slice(from, open);
      from = close < 0 ? kept.length : close + tag.length + 3;
    }
    kept = out + kept.slice(from);
  }
  return kept
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|li|h\d|tr)>/gi, "\n")
    .replace(/<[^<>]*>/g, "")
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (e) => ENTITIES[e] ?? e);
}

/**
 * The new part of a reply: everything from the first "On … wrote:" line (also
 * split over two lines), an "-----Original Message-----" or Outlook "From: …"
 * header block, or a "________" separator is quoted history; lines quoted
 * with ">" and the signature after "-- " go too.
 */
export function stripQuotedReply(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const next = lines[i + 1] ?? "";
    if (/^\s*On\b.{0,300}\bwrote:\s*$/.test(line)) break;
    if (/^\s*On\b.{0,300}$/.test(line) && /^.{0,200}\bwrote:\s*$/.test(next) && !/wrote:/.test(line)) break;
    if (/^\s*-{2,}\s*Original Message\s*-{2,}/i.test(line)) break;
    if (/^\s*_{8,}\s*$/.test(line)) break;
    if (/^\s*From:\s.+/.test(line) && lines.slice(i + 1, i + 5).some((l) => /^\s*(Sent|Date|To|Subject):\s/.test(l))) break;
    if (line === "-- " || line === "--") break;
    if (/^\s*>/.test(line)) continue;
    out.push(line);
  }
  return out
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

export type TInboundReply = {
  /** The provider's delivery id (svix-id), or a simulated one: a redelivery is recorded once. */
  eventId: string;
  providerEmailId: string | null;
  from: string;
  to: string[];
  subject: string | null;
  text: string | null;
  html: string | null;
  at: Date;
};

/**
 * Records one received reply, once: into the thread its address names when
 * the sender is that thread's user, otherwise into the quarantine list.
 */
export async function recordInboundReply({ ctx, input }: TServiceArgs<TInboundReply, Actor>) {
  const addressed = input.to.map(bareAddress);
  const toAddress = addressed.find((a) => threadOfReplyAddress(a) !== null) ?? addressed[0] ?? null;
  const userId = toAddress ? threadOfReplyAddress(toAddress) : null;
  const from = bareAddress(input.from);
  // Bounded before any parsing: a reply's new part is short, and a huge body must not cost the regexes time.
  const body = stripQuotedReply(
    input.text?.trim() ? input.text.slice(0, MAX_PARSED_CHARS) : htmlToText((input.html ?? "").slice(0, MAX_PARSED_CHARS)),
  );
  const content = (body || "(empty reply)").slice(0, MAX_REPLY_CHARS);
  const subject = input.subject?.trim().slice(0, 200) || null;
  const user = userId ? (await loadRecipients(ctx.db, [userId])).get(userId) : undefined;
  return ctx.db.transaction(async (tx) => {
    const stored = await executeRows<{ svix_id: string }>(
      tx,
      sql`INSERT INTO crm_provider_events (svix_id, type, email_id, occurred_at, payload)
          VALUES (${input.eventId}, 'email.received', ${input.providerEmailId}, ${input.at.toISOString()}::timestamptz,
                  ${JSON.stringify({ from, to: input.to, subject })}::jsonb)
          ON CONFLICT (svix_id) DO NOTHING RETURNING svix_id`,
    );
    if (!stored.length) return { outcome: "duplicate" as const };
    if (!user || from !== user.email.toLowerCase()) {
      const reason = user ? ("sender_mismatch" as const) : ("unknown_address" as const);
      const [q] = await tx
        .insert(crmInboundQuarantine)
        .values({
          providerEmailId: input.providerEmailId,
          fromAddress: from,
          toAddress,
          userId: user?.id ?? null,
          subject,
          content,
          reason,
        })
        .returning({ id: crmInboundQuarantine.id });
      await writeAuditLog(tx, ctx.actor, { action: "reply.quarantined", targetType: "email", targetId: from, after: { reason, userId } });
      return { outcome: "quarantined" as const, reason, quarantineId: q?.id ?? null };
    }
    const [m] = await tx
      .insert(crmMessages)
      .values({ userId: user.id, threadId: user.id, subject, content, direction: "inbound", channel: "email", status: "delivered" })
      .returning({ id: crmMessages.id });
    await writeAuditLog(tx, ctx.actor, {
      action: "message.reply_received",
      targetType: "user",
      targetId: user.id,
      after: { messageId: m?.id, channel: "email" },
    });
    return { outcome: "threaded" as const, messageId: m?.id ?? null, userId: user.id };
  });
}

/** Resend's `email.received`: the content read through its receiving API (a failure there throws, and the webhook is retried). */
export async function receiveReply({ ctx, input }: TServiceArgs<{ svixId: string; event: TReceivedEvent }, WebhookActor>) {
  const { event } = input;
  const [known] = await executeRows<{ n: number }>(ctx.db, sql`SELECT 1 AS n FROM crm_provider_events WHERE svix_id = ${input.svixId}`);
  if (known) return { outcome: "duplicate" as const };
  const received = await ctx.email.getReceivedEmail(event.data.email_id);
  return recordInboundReply({
    ctx,
    input: {
      eventId: input.svixId,
      providerEmailId: event.data.email_id,
      from: event.data.from,
      to: [...(event.data.received_for ?? []), ...event.data.to],
      subject: received.subject ?? event.data.subject ?? null,
      text: received.text,
      html: received.html,
      at: new Date(event.created_at),
    },
  });
}

/** Quarantined replies, newest first. */
export async function listQuarantine({ ctx }: TServiceArgs<void>) {
  return ctx.db.select().from(crmInboundQuarantine).orderBy(desc(crmInboundQuarantine.receivedAt)).limit(100);
}
