"use server";

import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { z } from "zod";
import { signIn, signOut } from "@/server/auth";

const ZEmail = z.email().max(254);

export type TSignInState = { error?: string; email?: string };

export async function signInAction(_prev: TSignInState, formData: FormData): Promise<TSignInState> {
  const raw = String(formData.get("email") ?? "")
    .trim()
    .toLowerCase();
  const parsed = ZEmail.safeParse(raw);
  if (!parsed.success) return { error: "Enter a valid email address.", email: raw };
  let target: string;
  try {
    target = String(await signIn("email", { email: parsed.data, redirectTo: "/", redirect: false }));
  } catch (err) {
    if (err instanceof AuthError) {
      return { error: "We could not send a sign-in link right now. Try again in a minute.", email: raw };
    }
    throw err;
  }
  // next-auth answers with where it would go: an error page for refused addresses, else "check your email".
  const error = new URL(target, "http://local").searchParams.get("error");
  if (error) redirect(`/sign-in?error=${encodeURIComponent(error)}`);
  redirect("/sign-in/check-email");
}

export async function signOutAction() {
  await signOut({ redirectTo: "/sign-in" });
}
