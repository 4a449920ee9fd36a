import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { buttonClass } from "@/components/ui/primitives";
import { getDb } from "@/server/db";
import { serviceContext } from "@/server/runtime";
import { checkSignInLink } from "@/server/services/auth/sign-in-links";
import { systemActor } from "@/server/services/context";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

/**
 * Where a sign-in link lands. Opening it signs nobody in and uses nothing up
 * (mail scanners fetch links before people do); the button posts the link
 * to next-auth, which checks it once and starts the session.
 */
export default async function VerifySignInPage({ searchParams }: { searchParams: Promise<{ token?: string; email?: string }> }) {
  const { token, email } = await searchParams;
  const wellFormed = typeof token === "string" && /^[0-9a-f]{64}$/.test(token) && typeof email === "string" && email.length <= 254;
  const state = wellFormed
    ? await checkSignInLink({ ctx: serviceContext(await getDb(), systemActor("sign-in")), input: { token, email } })
    : "unknown";
  if (state !== "valid" || !wellFormed) {
    return (
      <AuthCard title="This link does not work">
        <p role="alert" className="text-sm text-slate-600">
          {state === "expired" ? "This sign-in link has expired." : "This sign-in link was already used, or it is not complete."} Ask for a
          new one.
        </p>
        <p className="mt-6 text-sm">
          <Link href="/sign-in" className="text-brand-700 hover:underline">
            Back to sign-in
          </Link>
        </p>
      </AuthCard>
    );
  }
  const action = `/api/auth/callback/email?${new URLSearchParams({ token, email, callbackUrl: "/" })}`;
  return (
    <AuthCard title="Sign in">
      <p className="mb-5 text-sm text-slate-600">
        Sign in to the VibrationFit CRM as <strong className="font-medium text-slate-900">{email}</strong>.
      </p>
      <form method="post" action={action}>
        <button type="submit" className={`${buttonClass.primary} w-full`}>
          Sign in
        </button>
      </form>
    </AuthCard>
  );
}
