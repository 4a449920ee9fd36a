import type { DbOrTx } from "@/server/db/client";
import { crmAuditLog } from "@/server/db/schema";
import type { Actor } from "../context";

export type TAuditEntry = {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
};

/** Writes one audit row. Call it with the transaction that makes the change. */
export async function writeAuditLog(tx: DbOrTx, actor: Actor, entry: TAuditEntry): Promise<void> {
  await tx.insert(crmAuditLog).values({
    actorType: actor.type,
    actorId: actor.type === "admin" ? actor.id : null,
    actorEmail: actor.type === "admin" ? actor.email : actor.type === "system" ? `system:${actor.job}` : `webhook:${actor.provider}`,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
