import { AuthCard } from "@/components/auth/auth-card";
import { buttonClass } from "@/components/ui/primitives";
import { verifyUnsubscribeToken } from "@/server/services/messaging/unsubscribe";
import { confirmUnsubscribe } from "./actions";

export const metadata = { title: "Unsubscribe" };

/**
 * Public: the page an email's unsubscribe link opens. It asks before acting,
 * so link scanners that open every URL do not unsubscribe anyone.
 */
export default async function UnsubscribePage({ searchParams }: { searchParams: Promise<{ token?: string; result?: string }> }) {
  const { token = "", result } = await searchParams;
  const who = verifyUnsubscribeToken(token);
  if (!who || result === "invalid") {
    return (
      <AuthCard title="This link does not work">
        <p className="text-sm text-slate-600">
          The unsubscribe link is incomplete or was changed. Use the link at the bottom of the latest email from VibrationFit.
        </p>
      </AuthCard>
    );
  }
  if (result === "done") {
    return (
      <AuthCard title="You are unsubscribed">
        <p className="text-sm text-slate-600">
          {who.email} will get no more marketing emails from VibrationFit. Messages about your account, and replies to your own messages,
          still arrive.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Unsubscribe">
      <p className="mb-4 text-sm text-slate-600">Stop marketing emails from VibrationFit to {who.email}?</p>
      <form action={confirmUnsubscribe}>
        <input type="hidden" name="token" value={token} />
        <button type="submit" className={`${buttonClass.primary} w-full`}>
          Unsubscribe
        </button>
      </form>
    </AuthCard>
  );
}
