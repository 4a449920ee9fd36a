import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { localOutboxVisible } from "@/lib/env";
import { MAGIC_LINK_MAX_AGE_SECONDS } from "@/server/services/auth/send-magic-link";

export const dynamic = "force-dynamic";
export const metadata = { title: "Check your email" };

export default async function CheckEmailPage({ searchParams }: { searchParams: Promise<{ email?: string }> }) {
  const { email } = await searchParams;
  const local = localOutboxVisible();
  const address = typeof email === "string" && email.length <= 254 ? email : null;
  return (
    <AuthCard title="Check your email">
      <p className="text-sm text-slate-600">
        If {address ? <strong className="font-medium text-slate-900">{address}</strong> : "that address"} is invited to the CRM, a sign-in
        link is on its way. It works once and expires in {MAGIC_LINK_MAX_AGE_SECONDS / 60} minutes.
      </p>
      {local ? (
        <p className="mt-4 text-sm text-slate-600">
          Local mode: open the{" "}
          <Link href="/dev/outbox" className="font-medium text-brand-700 underline">
            dev outbox
          </Link>{" "}
          or copy the link from the server log.
        </p>
      ) : null}
      <p className="mt-6 text-sm">
        <Link href="/sign-in" className="text-brand-700 hover:underline">
          Use another address
        </Link>
      </p>
    </AuthCard>
  );
}
