"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { clientIp } from "@/server/api/client-ip";
import { signOut } from "@/server/auth";
import { getDb } from "@/server/db";
import { serviceContext } from "@/server/runtime";
import { requestSignInLink, ZSignInEmail } from "@/server/services/auth/sign-in-links";
import { systemActor } from "@/server/services/context";
import { TooManyRequestsError } from "@/server/services/errors";

export type TSignInState = { error?: string; email?: string };

/** Same answer for every valid address (no way to learn who is invited); the link is looked up and sent by a job. */
export async function signInAction(_prev: TSignInState, formData: FormData): Promise<TSignInState> {
  const raw = String(formData.get("email") ?? "").slice(0, 320);
  const parsed = ZSignInEmail.safeParse(raw);
  if (!parsed.success) return { error: "Enter a valid email address.", email: raw.trim() };
  try {
    await requestSignInLink({
      ctx: serviceContext(await getDb(), systemActor("sign-in")),
      input: { email: parsed.data, ip: clientIp(await headers()) },
    });
  } catch (err) {
    if (err instanceof TooManyRequestsError) return { error: err.message, email: parsed.data };
    throw err;
  }
  redirect(`/sign-in/check-email?${new URLSearchParams({ email: parsed.data })}`);
}

export async function signOutAction() {
  await signOut({ redirectTo: "/sign-in" });
}
