import { desc, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmEmailOutbox } from "@/server/db/schema";
import { type EmailProvider, EmailSendError, MAX_BATCH, type TEmailMessage, type TReceivedEmail, type TSendOptions } from "./types";

/**
 * The local default: emails are stored in crm_email_outbox and browsable at
 * /dev/outbox. Nothing leaves the machine, visibly. Idempotency keys behave
 * like the provider's: a repeated key returns the first send's ids.
 */
export class LocalOutboxProvider implements EmailProvider {
  readonly mode = "local-outbox" as const;
  constructor(private readonly db: DbOrTx) {}

  /** Nothing arrives locally: replies are simulated from the dev outbox, which hands their content over directly. */
  async getReceivedEmail(_id: string): Promise<TReceivedEmail> {
    throw new EmailSendError("The local outbox receives no mail: use “Simulate a reply” in the dev outbox", "permanent", null);
  }

  async send(message: TEmailMessage, options: TSendOptions = {}) {
    const [result] = await this.sendBatch([message], options);
    if (!result) throw new EmailSendError("The outbox stored nothing", "transient", null);
    return result;
  }

  async sendBatch(messages: TEmailMessage[], options: TSendOptions = {}) {
    if (messages.length === 0) return [];
    if (messages.length > MAX_BATCH) throw new EmailSendError(`A batch holds at most ${MAX_BATCH} emails`, "permanent", null);
    const keys = messages.map((_, i) => (options.idempotencyKey ? `${options.idempotencyKey}#${i}` : null));
    if (options.idempotencyKey) {
      const previous = await this.db
        .select({ id: crmEmailOutbox.id, key: crmEmailOutbox.idempotencyKey })
        .from(crmEmailOutbox)
        .where(inArray(crmEmailOutbox.idempotencyKey, keys as string[]));
      if (previous.length === messages.length) {
        const byKey = new Map(previous.map((p) => [p.key, p.id]));
        return keys.map((k) => ({ id: byKey.get(k) as string }));
      }
    }
    const rows = await this.db
      .insert(crmEmailOutbox)
      .values(
        messages.map((m, i) => ({
          to: m.to,
          from: m.from,
          replyTo: m.replyTo ?? null,
          subject: m.subject,
          html: m.html ?? null,
          text: m.text ?? null,
          headers: m.headers ?? {},
          tags: m.tags ?? [],
          idempotencyKey: keys[i] ?? null,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: crmEmailOutbox.id });
    return rows.map((r) => ({ id: r.id }));
  }
}

export async function listOutbox(db: DbOrTx, limit = 50) {
  return db
    .select({
      id: crmEmailOutbox.id,
      to: crmEmailOutbox.to,
      subject: crmEmailOutbox.subject,
      createdAt: crmEmailOutbox.createdAt,
    })
    .from(crmEmailOutbox)
    .orderBy(desc(crmEmailOutbox.createdAt))
    .limit(limit);
}

export async function getOutboxEmail(db: DbOrTx, id: string) {
  const [row] = await db.select().from(crmEmailOutbox).where(eq(crmEmailOutbox.id, id));
  return row ?? null;
}
