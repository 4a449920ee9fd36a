import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { emailMode } from "@/lib/env";

export const dynamic = "force-dynamic";
export const metadata = { title: "Check your email" };

export default function CheckEmailPage() {
  const local = emailMode() === "local-outbox";
  return (
    <AuthCard title="Check your email">
      <p className="text-sm text-slate-600">A sign-in link is on its way. It works once and expires in 15 minutes.</p>
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
