import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmCampaigns } from "@/server/db/schema";
import type { TCampaignStatus } from "@/shared/enums";
import { writeAuditLog } from "../audit/write-audit-log";
import type { Actor } from "../context";
import { ConflictError, NotFoundError } from "../errors";

export type { TCampaignStatus };
export type TCampaign = typeof crmCampaigns.$inferSelect;

/**
 * The lifecycle, checked on the server: draft → scheduled → sending → sent,
 * with paused, canceled and failed. Every status change goes through
 * `moveCampaign` below; anything else is refused with a reason.
 */
const ALLOWED: Record<TCampaignStatus, TCampaignStatus[]> = {
  draft: ["scheduled", "sending", "canceled"],
  // A scheduled campaign that cannot start when its time comes (its template was archived since) fails, visibly.
  scheduled: ["draft", "sending", "canceled", "failed"],
  sending: ["paused", "sent", "canceled", "failed"],
  paused: ["sending", "canceled"],
  sent: [],
  canceled: [],
  failed: [],
};

const VERB: Record<TCampaignStatus, string> = {
  draft: "move back to draft",
  scheduled: "schedule",
  sending: "send",
  paused: "pause",
  sent: "finish",
  canceled: "cancel",
  failed: "fail",
};

export function assertTransition(from: TCampaignStatus, to: TCampaignStatus, name: string) {
  if (ALLOWED[from].includes(to)) return;
  const why = from === "sent" || from === "canceled" || from === "failed" ? `it is ${from}; duplicate it to send again` : `it is ${from}`;
  throw new ConflictError(`Cannot ${VERB[to]} “${name}”: ${why}`);
}

export const canTransition = (from: TCampaignStatus, to: TCampaignStatus) => ALLOWED[from].includes(to);

/** The campaign's row, locked for the rest of the transaction. */
export async function lockCampaign(tx: DbOrTx, id: string): Promise<TCampaign> {
  const [c] = await tx.select().from(crmCampaigns).where(eq(crmCampaigns.id, id)).for("update");
  if (!c) throw new NotFoundError("That campaign does not exist");
  return c;
}

/**
 * Moves a campaign (its row locked by the caller's transaction) to `to`,
 * with the other columns that change with it, and writes the audit row.
 */
export async function moveCampaign(
  tx: DbOrTx,
  actor: Actor,
  c: TCampaign,
  to: TCampaignStatus,
  opts: { action: string; set?: Partial<TCampaign>; audit?: Record<string, unknown> },
): Promise<TCampaign> {
  assertTransition(c.status, to, c.name);
  const [after] = await tx
    .update(crmCampaigns)
    .set({ ...opts.set, status: to, updatedAt: new Date() })
    .where(eq(crmCampaigns.id, c.id))
    .returning();
  await writeAuditLog(tx, actor, {
    action: opts.action,
    targetType: "campaign",
    targetId: c.id,
    before: { status: c.status },
    after: { status: to, ...opts.audit },
  });
  return after ?? c;
}
