import { auth } from "@/server/auth";
import { getDb } from "@/server/db";
import { createContext, type TRPCContext } from "./trpc";

/** The context of a request (route handler or RSC): the session's admin, if any, the database and the request's id. */
export async function createRequestContext(requestId: string = crypto.randomUUID()): Promise<TRPCContext> {
  const [session, db] = await Promise.all([auth(), getDb()]);
  const user = session?.user;
  return createContext(db, user?.id && user.email && user.role ? { id: user.id, email: user.email, role: user.role } : null, requestId);
}
