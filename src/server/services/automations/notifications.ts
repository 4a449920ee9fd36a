import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";

/** "Notify admins" steps' notifications, newest first: the unread ones, then the latest read, with the user they are about. */
export async function listNotifications({ ctx, input }: TServiceArgs<{ limit?: number }>) {
  const rows = await executeRows<{
    id: string;
    at: Date | string;
    title: string;
    body: string;
    user_id: string | null;
    automation_id: string | null;
    read_at: Date | string | null;
    email: string | null;
  }>(
    ctx.db,
    sql`SELECT n.id, n.at, n.title, n.body, n.user_id, n.automation_id, n.read_at, u.email
        FROM crm_notifications n LEFT JOIN ${srcSchema()}.users u ON u.id = n.user_id
        ORDER BY (n.read_at IS NULL) DESC, n.at DESC, n.id LIMIT ${Math.min(input.limit ?? 20, 100)}`,
  );
  const [unread] = await executeRows<{ n: string | number }>(
    ctx.db,
    sql`SELECT count(*) AS n FROM crm_notifications WHERE read_at IS NULL`,
  );
  return {
    unread: Number(unread?.n ?? 0),
    items: rows.map((r) => ({
      id: r.id,
      at: new Date(r.at),
      title: r.title,
      body: r.body,
      userId: r.user_id,
      userEmail: r.email,
      automationId: r.automation_id,
      readAt: r.read_at ? new Date(r.read_at) : null,
    })),
  };
}

/** Marks every unread notification read (they are shared by the team). */
export async function markNotificationsRead({ ctx }: TServiceArgs<void, AdminActor>) {
  return ctx.db.transaction(async (tx) => {
    const rows = await executeRows<{ id: string }>(
      tx,
      sql`UPDATE crm_notifications SET read_at = ${ctx.clock().toISOString()}::timestamptz WHERE read_at IS NULL RETURNING id`,
    );
    if (rows.length)
      await writeAuditLog(tx, ctx.actor, { action: "notifications.read", targetType: "notification", after: { count: rows.length } });
    return { marked: rows.length };
  });
}
