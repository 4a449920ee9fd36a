import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import type { TPriority } from "@/shared/enums";
import { type TUpdateUserMetadataInput, ZUpdateUserMetadataInput } from "@/shared/schemas/users";
import { normalizeTag } from "@/shared/text";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { ConflictError, NotFoundError } from "../errors";
import { getUserMetadata, type TMetadataValues, type TUserMetadata, USER_METADATA_UPDATED } from "./get-user-metadata";

type TRow = { tags: string[]; notes: string | null; priority: TPriority | null; version: number; email: string | null; updated_at: Date };

/**
 * Saves tags, notes and/or priority of a user. The admin sends the version
 * they loaded; if someone saved since, nothing is written and the conflict
 * says who changed it and when, so no edit silently overwrites another.
 */
export async function updateUserMetadata({ ctx, input: raw }: TServiceArgs<TUpdateUserMetadataInput, AdminActor>): Promise<TUserMetadata> {
  const input = ZUpdateUserMetadataInput.parse(raw);
  const [user] = await executeRows<{ id: string }>(ctx.db, sql`SELECT id FROM ${srcSchema()}.users WHERE id = ${input.userId}`);
  if (!user) throw new NotFoundError("No user has this id. They may have been deleted in the main app.");

  await ctx.db.transaction(async (tx) => {
    // Make sure a row exists, then lock it: two first edits cannot both win.
    await tx.execute(sql`INSERT INTO crm_user_metadata (user_id, version) VALUES (${input.userId}, 0) ON CONFLICT (user_id) DO NOTHING`);
    const [current] = await executeRows<TRow>(
      tx,
      sql`SELECT m.tags, m.notes, m.priority, m.version, m.updated_at, a.email FROM crm_user_metadata m
          LEFT JOIN crm_admins a ON a.id = m.updated_by_id WHERE m.user_id = ${input.userId} FOR UPDATE OF m`,
    );
    if (!current) throw new NotFoundError("No user has this id");
    if (Number(current.version) !== input.expectedVersion) {
      const who = current.email ?? "another admin";
      throw new ConflictError(
        `${who} changed this user's tags, notes or priority at ${new Date(current.updated_at).toISOString().slice(0, 16).replace("T", " ")} UTC, after you opened the profile. Nothing was saved: reload to see their change, then edit again.`,
      );
    }
    const before: TMetadataValues = {};
    const after: TMetadataValues = {};
    const tags = input.tags === undefined ? undefined : [...new Set(input.tags.map(normalizeTag))].sort();
    if (tags !== undefined && tags.join("\u0000") !== [...current.tags].sort().join("\u0000")) {
      before.tags = current.tags;
      after.tags = tags;
    }
    const notes = input.notes === undefined ? undefined : input.notes.trim() === "" ? null : input.notes;
    if (notes !== undefined && notes !== current.notes) {
      before.notes = current.notes;
      after.notes = notes;
    }
    if (input.priority !== undefined && input.priority !== current.priority) {
      before.priority = current.priority;
      after.priority = input.priority;
    }
    if (Object.keys(after).length === 0) return; // Nothing changed: no new version, no audit row.
    await tx.execute(sql`
      UPDATE crm_user_metadata SET
        tags = ${
          after.tags !== undefined
            ? sql`ARRAY[${sql.join(
                (after.tags ?? []).map((t) => sql`${t}`),
                sql`, `,
              )}]::text[]`
            : sql`tags`
        },
        notes = ${after.notes !== undefined ? sql`${after.notes}` : sql`notes`},
        priority = ${after.priority !== undefined ? sql`${after.priority}` : sql`priority`},
        version = version + 1, updated_by_id = ${ctx.actor.id}, updated_at = now()
      WHERE user_id = ${input.userId}`);
    await writeAuditLog(tx, ctx.actor, { action: USER_METADATA_UPDATED, targetType: "user", targetId: input.userId, before, after });
  });
  return getUserMetadata(ctx.db, input.userId);
}
