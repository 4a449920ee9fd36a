import { auth } from "@/server/auth";
import { getDb } from "@/server/db";
import { createContext, type TRPCContext } from "./trpc";

/** The context of a request (route handler or RSC): the session's admin, if any, and the database. */
export async function createRequestContext(): Promise<TRPCContext> {
  const [session, db] = await Promise.all([auth(), getDb()]);
  const user = session?.user;
  return createContext(db, user?.id && user.email && user.role ? { id: user.id, email: user.email, role: user.role } : null);
}
