import { sql } from "drizzle-orm";
import { executeRows } from "@/server/db/client";
import { srcSchema } from "@/server/db/source";
import type { TServiceArgs } from "../context";

const NAMES = ["vision.generated", "assessment.completed", "journal.entry_created", "audio.played", "vision_board.viewed"] as const;

/**
 * Local demo only: a few users do something in the app now (a session and
 * events), so the live feed has something to show without the main app.
 */
export async function simulateActivity({ ctx, input }: TServiceArgs<{ count?: number }>): Promise<{ inserted: number }> {
  const { db } = ctx;
  const count = input.count ?? 3;
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
