import type { DbOrTx, Tx } from "@/server/db/client";
import { readRollupState, type TRollupState } from "./refresh-analytics-rollups";

/** Attempts at reading between two refreshes before the read takes one snapshot for all its statements. */
const ATTEMPTS = 3;

const sameWatermark = (a: TRollupState, b: TRollupState) =>
  a.sessionsUntilId === b.sessionsUntilId && a.eventsUntilId === b.eventsUntilId && a.tokensUntilId === b.tokensUntilId;

/**
 * Runs a read that adds the rollups to the raw rows after their watermark,
 * over several statements (several connections at once, for speed), as if
 * at one watermark. A refresh that commits between two of its statements
 * would have one statement count a batch's rows in the rollups and another
 * count them again as the tail. The watermark is read before and after: the
 * refresh moves it in the same transaction as the rollups, so an unchanged
 * watermark means every statement in between saw the same rollups. When it
 * moved, the read runs again; after ATTEMPTS it runs in one repeatable-read
 * transaction (one snapshot, its statements one after another).
 */
export async function atOneWatermark<T>(db: DbOrTx, read: (db: DbOrTx, state: TRollupState) => Promise<T>): Promise<T> {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const before = await readRollupState(db);
    const result = await read(db, before);
    if (sameWatermark(before, await readRollupState(db))) return result;
  }
  // A caller's transaction keeps its own isolation: its statements may still see a refresh commit in between.
  if ("rollback" in db) throw new Error("The analytics rollups kept moving during the read; try again");
  return db.transaction(async (tx: Tx) => read(tx, await readRollupState(tx)), {
    isolationLevel: "repeatable read",
    accessMode: "read only",
  });
}
