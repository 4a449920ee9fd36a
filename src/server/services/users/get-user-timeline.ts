import { type SQL, sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import { TIMELINE_KINDS, type TTimelineKind } from "@/shared/enums";
import { type TTimelineInput, ZTimelineInput } from "@/shared/schemas/users";
import type { TServiceArgs } from "../context";
import { InvalidInputError } from "../errors";

export type TTimelineEntry = {
  kind: TTimelineKind;
  /** Unique within the kind. */
  id: string;
  at: Date;
  title: string;
  detail: Record<string, unknown>;
};

type TRow = { kind: TTimelineKind; id: string; at: Date | string; at_us: string; title: string; detail: unknown };

/*
 * Everything that happened to a user, newest first. Each source is read by
 * its (user_id, time) index, at most one page past the cursor, and the pages
 * are merged: the cost is one page per kind, however long the history. The
 * order is (time, kind, id) descending, a total order, so cursors neither skip
 * nor repeat entries, also when new ones arrive between pages.
 */

const encode = (r: { at_us: string; kind: string; id: string }) =>
  Buffer.from(JSON.stringify([r.at_us, r.kind, r.id])).toString("base64url");

function decode(cursor: string): { atUs: string; kind: string; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(v) &&
      typeof v[0] === "string" &&
      /^-?\d{1,20}$/.test(v[0]) &&
      (TIMELINE_KINDS as readonly unknown[]).includes(v[1]) &&
      typeof v[2] === "string" &&
      v[2].length <= 64
    ) {
      return { atUs: v[0], kind: v[1] as string, id: v[2] };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError("The timeline cursor is not valid; start from the newest entries");
}

export async function getUserTimeline({
  ctx,
  input: raw,
}: TServiceArgs<TTimelineInput>): Promise<{ items: TTimelineEntry[]; nextCursor: string | null }> {
  const input = ZTimelineInput.parse(raw);
  const { db } = ctx;
  const S = srcSchema();
  const u = input.userId;
  const kinds = new Set<TTimelineKind>(input.kinds?.length ? input.kinds : TIMELINE_KINDS);
  const c = input.cursor ? decode(input.cursor) : null;
  const take = input.limit + 1;

  /** One source: rows after the cursor in (at, kind, id) order, at most one page. */
  const branch = (kind: TTimelineKind, opts: { at: SQL; id: SQL; title: SQL; detail: SQL; from: SQL; where: SQL }) => {
    const after = c
      ? sql` AND (${opts.at}, ${kind}::text, ${opts.id}) < (timestamptz 'epoch' + ${c.atUs}::bigint * interval '1 microsecond', ${c.kind}::text, ${c.id}::text)`
      : sql``;
    return sql`(SELECT ${kind}::text AS kind, ${opts.id} AS id, ${opts.at} AS at, ${opts.title} AS title, ${opts.detail} AS detail
      FROM ${opts.from} WHERE ${opts.where}${after} ORDER BY ${opts.at} DESC, ${opts.id} DESC LIMIT ${take})`;
  };

  const parts: SQL[] = [];
  if (kinds.has("session"))
    parts.push(
      branch("session", {
        at: sql`started_at`,
        id: sql`id::text`,
        title: sql`'Session'::text`,
        detail: sql`jsonb_build_object('endedAt', ended_at, 'seconds', round(extract(epoch from ended_at - started_at)))`,
        from: sql`${S}.sessions`,
        where: sql`user_id = ${u}`,
      }),
    );
  if (kinds.has("event"))
    parts.push(
      branch("event", {
        at: sql`occurred_at`,
        id: sql`id::text`,
        title: sql`name`,
        detail: sql`properties`,
        from: sql`${S}.events`,
        where: sql`user_id = ${u}`,
      }),
    );
  if (kinds.has("payment"))
    parts.push(
      branch("payment", {
        at: sql`paid_at`,
        id: sql`id::text`,
        title: sql`'Payment ' || status`,
        detail: sql`jsonb_build_object('amount', amount, 'currency', currency, 'status', status, 'plan', plan)`,
        from: sql`${S}.payments`,
        where: sql`user_id = ${u}`,
      }),
    );
  if (kinds.has("subscription")) {
    // A subscription appears twice: when it started and, if so, when it was canceled.
    parts.push(
      branch("subscription", {
        at: sql`started_at`,
        id: sql`id::text || ':started'`,
        title: sql`'Subscribed to ' || plan`,
        detail: sql`jsonb_build_object('plan', plan, 'status', status, 'price', price, 'interval', interval)`,
        from: sql`${S}.subscriptions`,
        where: sql`user_id = ${u}`,
      }),
      branch("subscription", {
        at: sql`canceled_at`,
        id: sql`id::text || ':canceled'`,
        title: sql`'Canceled ' || plan`,
        detail: sql`jsonb_build_object('plan', plan, 'status', status)`,
        from: sql`${S}.subscriptions`,
        where: sql`user_id = ${u} AND canceled_at IS NOT NULL`,
      }),
    );
  }
  if (kinds.has("edit"))
    parts.push(
      branch("edit", {
        at: sql`at`,
        id: sql`id::text`,
        title: sql`'Edited by ' || coalesce(actor_email, 'an admin')`,
        detail: sql`jsonb_build_object('action', action, 'before', before, 'after', after)`,
        from: sql`crm_audit_log`,
        where: sql`target_type = 'user' AND target_id = ${u}`,
      }),
    );
  if (kinds.has("message"))
    parts.push(
      branch("message", {
        at: sql`created_at`,
        id: sql`id::text`,
        title: sql`CASE WHEN direction = 'inbound' THEN 'Reply from the user' ELSE coalesce('Message: ' || subject, 'Message') END`,
        detail: sql`jsonb_build_object('content', left(content, 280), 'readAt', read_at, 'channel', channel, 'status', status)`,
        from: sql`crm_messages`,
        where: sql`user_id = ${u}`,
      }),
    );

  if (kinds.has("campaign"))
    parts.push(
      branch("campaign", {
        at: sql`t.sent_at`,
        id: sql`t.id::text`,
        title: sql`CASE c.type WHEN 'in_app' THEN 'In-app campaign ' ELSE 'Campaign ' END || c.name`,
        detail: sql`jsonb_build_object('campaignId', t.campaign_id, 'channel', c.type, 'outcome', t.status,
          'openedAt', least(t.first_opened_at, t.first_clicked_at), 'clickedAt', t.first_clicked_at)`,
        from: sql`crm_campaign_tracking t JOIN crm_campaigns c ON c.id = t.campaign_id`,
        where: sql`t.user_id = ${u} AND t.sent_at IS NOT NULL`,
      }),
    );
  if (kinds.has("segment"))
    parts.push(
      branch("segment", {
        at: sql`h.at`,
        id: sql`h.id::text`,
        title: sql`CASE h.change WHEN 'entered' THEN 'Entered segment ' ELSE 'Left segment ' END || coalesce(s.name, '(deleted)')`,
        detail: sql`jsonb_build_object('segmentId', h.segment_id, 'change', h.change)`,
        from: sql`crm_segment_membership_history h LEFT JOIN crm_user_segments s ON s.id = h.segment_id`,
        where: sql`h.user_id = ${u}`,
      }),
    );

  const rows = await executeRows<TRow>(
    db,
    sql`SELECT kind, id, at, (extract(epoch from at) * 1000000)::bigint::text AS at_us, title, detail
        FROM (${sql.join(parts, sql` UNION ALL `)}) t ORDER BY at DESC, kind DESC, id DESC LIMIT ${take}`,
  );
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      kind: r.kind,
      id: r.id,
      at: new Date(r.at),
      title: r.title,
      detail: (typeof r.detail === "string" ? JSON.parse(r.detail) : (r.detail ?? {})) as Record<string, unknown>,
    })),
    nextCursor: rows.length > input.limit && last ? encode(last) : null,
  };
}
