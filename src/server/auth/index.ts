import NextAuth from "next-auth";
import { getDb } from "@/server/db";
import { buildAuthConfig } from "./config";

/** Lazy config: the database (and its migrations) is ready before next-auth touches it. */
export const { auth, handlers, signIn, signOut } = NextAuth(async () => buildAuthConfig(await getDb()));
