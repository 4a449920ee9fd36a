import type { DatabaseHandle } from "@/server/db/client";

/** Inserts main-app users directly into the source table (the CRM never writes there in production). */
export async function insertAppUsers(
  handle: DatabaseHandle,
  users: { id: string; email: string; name: string | null; createdAt: string; lastActiveAt?: string | null }[],
) {
  for (const u of users) {
    await handle.query("INSERT INTO app.users (id, email, name, created_at, last_active_at) VALUES ($1, $2, $3, $4, $5)", [
      u.id,
      u.email,
      u.name,
      u.createdAt,
      u.lastActiveAt ?? null,
    ]);
  }
}
