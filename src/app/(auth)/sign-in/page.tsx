import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignInForm } from "@/components/auth/sign-in-form";
import { env, localOutboxVisible, ownerEmail } from "@/lib/env";
import { auth } from "@/server/auth";

export const metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  AccessDenied: "That address is no longer invited to the CRM. Ask an owner to invite you again.",
  Verification: "That sign-in link has expired or was already used. Ask for a new one below.",
  Configuration: "Sign-in is not configured correctly on the server. Check the server log.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const session = await auth();
  if (session?.user) redirect("/");
  const { error } = await searchParams;
  // Only on a developer's embedded default: anywhere else the page names nobody.
  const local = localOutboxVisible();
  const message = error ? (ERRORS[error] ?? "Sign-in failed. Try again.") : null;
  return (
    <AuthCard title="Sign in">
      <p className="mb-4 text-sm text-slate-500">Admins only. We email you a link that signs you in; no password needed.</p>
      {message ? (
        <p role="alert" className="mb-4 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
          {message}
        </p>
      ) : null}
      <SignInForm defaultEmail={local && !env().CRM_OWNER_EMAIL ? ownerEmail() : undefined} />
      {local ? (
        <div className="mt-5 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-xs leading-5 text-amber-900">
          <strong className="font-semibold">Local mode.</strong> No email provider is configured: the link is printed in the server log and
          kept in the{" "}
          <Link href="/dev/outbox" className="font-medium underline">
            dev outbox
          </Link>
          . The owner is <code className="font-mono">{ownerEmail()}</code>.
        </div>
      ) : null}
    </AuthCard>
  );
}
