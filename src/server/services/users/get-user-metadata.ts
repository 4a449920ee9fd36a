import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import type { TPriority } from "@/shared/enums";

export type TUserEdit = {
  id: number;
  at: Date;
  actorEmail: string | null;
  before: TMetadataValues | null;
  after: TMetadataValues | null;
};
export type TMetadataValues = { tags?: string[]; notes?: string | null; priority?: TPriority | null };

export type TUserMetadata = {
  tags: string[];
  notes: string;
  priority: TPriority | null;
  /** What an edit must send back as expectedVersion (0: nothing saved yet). */
  metadataVersion: number;
  metadataUpdatedAt: Date | null;
  metadataUpdatedBy: string | null;
  /** The latest edits of tags, notes and priority, newest first. */
  edits: TUserEdit[];
};

export const USER_METADATA_UPDATED = "user.metadata_updated";

export async function getUserMetadata(db: DbOrTx, userId: string): Promise<TUserMetadata> {
  const [[row], edits] = await Promise.all([
    executeRows<{
      tags: string[];
      notes: string | null;
      priority: TPriority | null;
      version: number;
      updated_at: Date;
      email: string | null;
    }>(
      db,
      sql`SELECT m.tags, m.notes, m.priority, m.version, m.updated_at, a.email FROM crm_user_metadata m
          LEFT JOIN crm_admins a ON a.id = m.updated_by_id WHERE m.user_id = ${userId}`,
    ),
    executeRows<{ id: string; at: Date; actor_email: string | null; before: unknown; after: unknown }>(
      db,
      sql`SELECT id, at, actor_email, before, after FROM crm_audit_log
          WHERE target_type = 'user' AND target_id = ${userId} AND action = ${USER_METADATA_UPDATED}
          ORDER BY at DESC, id DESC LIMIT 20`,
    ),
  ]);
  const json = (v: unknown) => (typeof v === "string" ? (JSON.parse(v) as TMetadataValues) : (v as TMetadataValues | null));
  return {
    tags: row?.tags ?? [],
    notes: row?.notes ?? "",
    priority: row?.priority ?? null,
    metadataVersion: row ? Number(row.version) : 0,
    metadataUpdatedAt: row ? new Date(row.updated_at) : null,
    metadataUpdatedBy: row?.email ?? null,
    edits: edits.map((e) => ({
      id: Number(e.id),
      at: new Date(e.at),
      actorEmail: e.actor_email,
      before: json(e.before),
      after: json(e.after),
    })),
  };
}
