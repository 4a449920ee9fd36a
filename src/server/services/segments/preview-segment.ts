import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { compileCriteria, criteriaFrom } from "@/server/segments/criteria/compile";
import { loadReferencedCriteria } from "./load-referenced-criteria";
import { type TPreviewSegmentInput, ZPreviewSegmentInput } from "./schemas";

/** How many users the criteria match right now, and the newest few of them, without saving anything. */
export async function previewSegment(db: DbOrTx, rawInput: TPreviewSegmentInput, now = new Date()) {
  const input = ZPreviewSegmentInput.parse(rawInput);
  const segments = await loadReferencedCriteria(db, input.criteria, input.segmentId);
  const compiled = compileCriteria(input.criteria, { now, segments });
  // One evaluation for both the count and the sample.
  const rows = await executeRows<{ n: string | number; id: string | null; email: string | null; name: string | null }>(
    db,
    sql`WITH m AS MATERIALIZED (SELECT u.id, u.email, u.name, u.created_at FROM ${criteriaFrom(compiled)} WHERE ${compiled.where})
        SELECT (SELECT count(*) FROM m) AS n, s.id, s.email, s.name
        FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT id, email, name FROM m ORDER BY created_at DESC, id DESC LIMIT ${input.sampleSize}) s ON true`,
  );
  const count = rows[0];
  const sample = rows.filter((r) => r.id !== null).map((r) => ({ id: r.id as string, email: r.email as string, name: r.name }));
  return { count: Number(count?.n ?? 0), sample, evaluatedAt: now };
}
