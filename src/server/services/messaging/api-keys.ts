import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { crmAdmins, crmApiKeys } from "@/server/db/schema";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs, WebhookActor } from "../context";
import { NotFoundError } from "../errors";

/** The main app, calling with an API key, is the actor of its writes. */
export const mainAppActor = (keyName: string): WebhookActor => ({ type: "webhook", provider: `main-app:${keyName}` });

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

/** A new key for the main app. The key itself is returned once and never stored: only its hash. */
export async function createApiKey({ ctx, input }: TServiceArgs<{ name: string }, AdminActor>) {
  const key = `vfcrm_${randomBytes(24).toString("base64url")}`;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(crmApiKeys)
      .values({ name: input.name, prefix: key.slice(0, 12), hash: hashKey(key), createdById: ctx.actor.id })
      .returning({ id: crmApiKeys.id, name: crmApiKeys.name, prefix: crmApiKeys.prefix, createdAt: crmApiKeys.createdAt });
    if (!row) throw new Error("insert returned nothing");
    await writeAuditLog(tx, ctx.actor, {
      action: "api_key.created",
      targetType: "api_key",
      targetId: row.id,
      after: { name: row.name, prefix: row.prefix },
    });
    return { ...row, key };
  });
}

export async function listApiKeys({ ctx }: TServiceArgs<void>) {
  return ctx.db
    .select({
      id: crmApiKeys.id,
      name: crmApiKeys.name,
      prefix: crmApiKeys.prefix,
      createdAt: crmApiKeys.createdAt,
      createdBy: crmAdmins.email,
      lastUsedAt: crmApiKeys.lastUsedAt,
      revokedAt: crmApiKeys.revokedAt,
    })
    .from(crmApiKeys)
    .leftJoin(crmAdmins, eq(crmAdmins.id, crmApiKeys.createdById))
    .orderBy(desc(crmApiKeys.createdAt));
}

export async function revokeApiKey({ ctx, input }: TServiceArgs<{ id: string }, AdminActor>) {
  const { id } = input;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(crmApiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(crmApiKeys.id, id), isNull(crmApiKeys.revokedAt)))
      .returning({ id: crmApiKeys.id, name: crmApiKeys.name });
    if (!row) throw new NotFoundError("That key does not exist or is already revoked");
    await writeAuditLog(tx, ctx.actor, { action: "api_key.revoked", targetType: "api_key", targetId: row.id, before: { name: row.name } });
    return row;
  });
}

/** The key behind an `Authorization: Bearer …` header, if it exists and is not revoked. Reads only. */
export async function authenticateApiKey(db: DbOrTx, authorization: string | null): Promise<{ id: string; name: string } | null> {
  const m = /^Bearer\s+(vfcrm_[A-Za-z0-9_-]{20,64})\s*$/.exec(authorization ?? "");
  if (!m?.[1]) return null;
  const [row] = await db
    .select({ id: crmApiKeys.id, name: crmApiKeys.name })
    .from(crmApiKeys)
    .where(and(eq(crmApiKeys.hash, hashKey(m[1])), isNull(crmApiKeys.revokedAt)));
  return row ?? null;
}

/** Records that a key was used, after a request it made succeeded. */
export async function touchApiKey(db: DbOrTx, id: string) {
  await db.update(crmApiKeys).set({ lastUsedAt: new Date() }).where(eq(crmApiKeys.id, id));
}
