import { sql } from "drizzle-orm";
import { type DbOrTx, executeRows } from "@/server/db/client";
import { srcSchema } from "../analytics/source";

const NAMES = ["vision.generated", "assessment.completed", "journal.entry_created", "audio.played", "vision_board.viewed"] as const;

/**
 * Local demo only: a few users do something in the app now (a session and
 * events), so the live feed has something to show without the main app.
 */
export async function simulateActivity(db: DbOrTx, count = 3): Promise<{ inserted: number }> {
  const S = srcSchema();
  const users = await executeRows<{ id: string }>(db, sql`SELECT id FROM ${S}.users ORDER BY random() LIMIT ${count}`);
  for (const [i, u] of users.entries()) {
    const name = NAMES[(Date.now() + i) % NAMES.length] ?? "audio.played";
    await db.execute(sql`INSERT INTO ${S}.sessions (user_id, started_at) VALUES (${u.id}::uuid, now())`);
    await db.execute(
      sql`INSERT INTO ${S}.events (user_id, name, properties, occurred_at) VALUES (${u.id}::uuid, ${name}, '{"source":"web"}'::jsonb, now())`,
    );
    await db.execute(sql`UPDATE ${S}.users SET last_active_at = now() WHERE id = ${u.id}::uuid`);
  }
  return { inserted: users.length * 2 };
}
