import { auth } from "@/server/auth";
import { getDb } from "@/server/db";
import { type AdminIdentity, createContext, type TRPCContext } from "./trpc";

/** The signed-in admin of this request, or null: the one reading of the session for tRPC, RSC and route handlers. */
export async function sessionAdmin(): Promise<AdminIdentity | null> {
  const user = (await auth())?.user;
  return user?.id && user.email && user.role ? { id: user.id, email: user.email, role: user.role } : null;
}

/** The context of a request (route handler or RSC): the session's admin, if any, the database and the request's id. */
export async function createRequestContext(requestId: string = crypto.randomUUID()): Promise<TRPCContext> {
  const [admin, db] = await Promise.all([sessionAdmin(), getDb()]);
  return createContext(db, admin, requestId);
}
