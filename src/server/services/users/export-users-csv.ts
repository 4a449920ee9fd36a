import type { DbOrTx } from "@/server/db/client";
import type { TUserFilters, TUserSort } from "@/shared/users-query";
import { writeAuditLog } from "../audit/write-audit-log";
import type { AdminActor, TServiceArgs } from "../context";
import { listUsersPage, type TUserListItem } from "./list-users";

export const CSV_HEADER = [
  "id",
  "email",
  "name",
  "joined_at",
  "last_active_at",
  "plan",
  "subscription_status",
  "total_spent_usd",
  "ai_tokens",
  "ai_cost_usd",
  "margin_usd",
  "tags",
  "priority",
] as const;

/**
 * Quotes a CSV field when needed, and defuses spreadsheet formulas: a cell
 * that starts with = + - @ (a name typed by a user) is prefixed with a quote.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  let s = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const row = (u: TUserListItem) =>
  [
    u.id,
    u.email,
    u.name,
    u.joinedAt.toISOString(),
    u.lastActiveAt?.toISOString() ?? null,
    u.plan,
    u.subscriptionStatus,
    u.totalSpent.toFixed(2),
    u.aiTokens,
    u.aiCostUsd.toFixed(6),
    u.marginUsd.toFixed(6),
    u.tags.join("; "),
    u.priority,
  ]
    .map(csvField)
    .join(",");

/**
 * The filtered list as CSV, one chunk per page of `pageSize` users read by
 * keyset: memory stays at one page whatever the row count, and the consumer's
 * pace (a slow download) holds the reading back.
 */
export async function* exportUsersCsv(
  db: DbOrTx,
  opts: { filters: TUserFilters; sort: TUserSort; dir: "asc" | "desc"; timeZone: string; pageSize?: number },
): AsyncGenerator<string> {
  yield `${CSV_HEADER.join(",")}\r\n`;
  let cursor: string | undefined;
  do {
    const page = await listUsersPage(db, { ...opts, limit: opts.pageSize ?? 2_000, cursor });
    if (page.items.length) yield `${page.items.map(row).join("\r\n")}\r\n`;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/** An admin's export: recorded in the audit log (it carries personal data out), then streamed. */
export async function startUsersExport({
  ctx,
  input,
}: TServiceArgs<{ filters: TUserFilters; sort: TUserSort; dir: "asc" | "desc"; timeZone: string }, AdminActor>): Promise<
  AsyncGenerator<string>
> {
  await writeAuditLog(ctx.db, ctx.actor, { action: "users.exported", targetType: "users", after: input });
  return exportUsersCsv(ctx.db, input);
}
