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
  const from = criteriaFrom(compiled);
  const [[count], sample] = await Promise.all([
    executeRows<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM ${from} WHERE ${compiled.where}`),
    input.sampleSize
      ? executeRows<{ id: string; email: string; name: string | null }>(
          db,
          sql`SELECT u.id, u.email, u.name FROM ${from} WHERE ${compiled.where} ORDER BY u.created_at DESC, u.id DESC LIMIT ${input.sampleSize}`,
        )
      : Promise.resolve([]),
  ]);
  return { count: Number(count?.n ?? 0), sample, evaluatedAt: now };
}
