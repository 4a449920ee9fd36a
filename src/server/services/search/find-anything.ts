import { sql } from "drizzle-orm";
import { z } from "zod";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { escapeLike } from "@/shared/text";
import type { TServiceArgs } from "../context";

export const ZFindAnythingInput = z.object({ q: z.string().trim().min(1, "Type something to search").max(200, "At most 200 characters") });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Users are searched from 3 characters on (the trigram indexes need three); an id at once. */
export const MIN_USER_SEARCH = 3;
const USERS = 8;
const OTHERS = 5;

/**
 * The command palette's search: users by id, or by part of their email or
 * name; segments, campaigns and templates by name. Users are the main app's
 * table: the query has no ORDER BY, so Postgres stops at the eighth match
 * (its trigram indexes for a rare string, an early-stopping scan for a
 * common one) instead of sorting every match; the few found are sorted here.
 */
export async function findAnything({ ctx, input: raw }: TServiceArgs<{ q: string }>) {
  const { q } = ZFindAnythingInput.parse(raw);
  const S = srcSchema();
  const like = `%${escapeLike(q)}%`;
  const users =
    UUID.test(q) || q.length >= MIN_USER_SEARCH
      ? await executeRows<{ id: string; email: string; name: string | null }>(
          ctx.db,
          UUID.test(q)
            ? sql`SELECT id, email, name FROM ${S}.users WHERE id = ${q.toLowerCase()}::uuid`
            : sql`SELECT id, email, name FROM ${S}.users WHERE email ILIKE ${like} OR name ILIKE ${like} LIMIT ${USERS + 1}`,
        )
      : [];
  const named = (table: "crm_user_segments" | "crm_campaigns" | "crm_email_templates", extra = sql``) =>
    executeRows<{ id: string; name: string; status?: string; type?: string }>(
      ctx.db,
      sql`SELECT id, name ${extra} FROM ${sql.raw(table)} WHERE name ILIKE ${like} ORDER BY updated_at DESC LIMIT ${OTHERS}`,
    );
  const [segments, campaigns, templates] = await Promise.all([
    named("crm_user_segments"),
    named("crm_campaigns", sql`, status, type`),
    named("crm_email_templates", sql`, status`),
  ]);
  const lower = q.toLowerCase();
  const rank = (u: { email: string; name: string | null }) =>
    u.email.toLowerCase() === lower ? 0 : u.email.toLowerCase().startsWith(lower) || (u.name ?? "").toLowerCase().startsWith(lower) ? 1 : 2;
  return {
    users: users
      .slice(0, USERS)
      .sort((a, b) => rank(a) - rank(b) || a.email.localeCompare(b.email))
      .map((u) => ({ id: u.id, email: u.email, name: u.name })),
    moreUsers: users.length > USERS,
    usersNeedMore: !UUID.test(q) && q.length < MIN_USER_SEARCH,
    segments: segments.map((s) => ({ id: s.id, name: s.name })),
    campaigns: campaigns.map((c) => ({ id: c.id, name: c.name, status: c.status ?? "", type: c.type ?? "" })),
    templates: templates.map((t) => ({ id: t.id, name: t.name, status: t.status ?? "" })),
  };
}
