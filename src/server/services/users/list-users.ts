import { and, desc, ilike, or, type SQL, sql } from "drizzle-orm";
import type { DbOrTx } from "@/server/db/client";
import { appUsers } from "@/server/db/schema";
import { InvalidInputError } from "../errors";
import { type TListUsersInput, ZListUsersInput } from "./schemas";

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(parsed) &&
      typeof parsed[0] === "string" &&
      typeof parsed[1] === "string" &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      /^[0-9a-f-]{36}$/i.test(parsed[1])
    ) {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError("The page cursor is not valid; start from the first page");
}

const encodeCursor = (createdAt: Date, id: string) => Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString("base64url");

/** Newest users first, optionally filtered by a case-insensitive substring of email or name; keyset pagination. */
export async function listUsers(db: DbOrTx, rawInput: TListUsersInput) {
  const input = ZListUsersInput.parse(rawInput);
  const where: SQL[] = [];
  if (input.search) {
    const pattern = `%${escapeLike(input.search)}%`;
    const match = or(ilike(appUsers.email, pattern), ilike(appUsers.name, pattern));
    if (match) where.push(match);
  }
  if (input.cursor) {
    const c = decodeCursor(input.cursor);
    where.push(sql`(${appUsers.createdAt}, ${appUsers.id}) < (${c.createdAt}::timestamptz, ${c.id}::uuid)`);
  }
  const rows = await db
    .select({
      id: appUsers.id,
      email: appUsers.email,
      name: appUsers.name,
      createdAt: appUsers.createdAt,
      lastActiveAt: appUsers.lastActiveAt,
    })
    .from(appUsers)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(appUsers.createdAt), desc(appUsers.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return { items: page, nextCursor: rows.length > input.limit && last ? encodeCursor(last.createdAt, last.id) : null };
}
