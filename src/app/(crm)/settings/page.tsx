import Link from "next/link";
import { RunHeartbeatButton } from "@/components/settings/run-heartbeat-button";
import { Badge, Card, CardHeader, PageHeader } from "@/components/ui/primitives";
import { auth } from "@/server/auth";
import { formatDateTime } from "@/shared/format";
import { api } from "@/trpc/server";

export const metadata = { title: "Settings" };

const MODE_LABEL = {
  postgres: "Postgres (DATABASE_URL)",
  embedded: "Embedded PGlite (local default)",
  resend: "Resend",
  "local-outbox": "Local outbox (nothing is sent)",
  "inngest-dev": "Inngest Dev Server",
  "inngest-cloud": "Inngest (cloud or self-hosted)",
  "in-process": "In-process (queue in Postgres)",
} as const;

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1 px-4 py-3 sm:flex-row sm:items-center sm:justify-between">
      <dt className="text-sm text-slate-500">{label}</dt>
      <dd className="text-sm text-slate-900">{children}</dd>
    </div>
  );
}

export default async function SettingsPage() {
  const [session, caller] = await Promise.all([auth(), api()]);
  const health = await caller.system.health();
  const role = session?.user.role;
  const heartbeat = health.lastJobRuns.find((j) => j.jobId === "heartbeat");
  return (
    <>
      <PageHeader title="Settings" />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader title="System" description="How this CRM instance is wired." />
          <dl className="divide-y divide-slate-100">
            <Row label="Database">
              <span className="flex items-center gap-2">
                {MODE_LABEL[health.database.mode]}
                <Badge tone={health.database.reachable ? "green" : "red"}>{health.database.reachable ? "reachable" : "unreachable"}</Badge>
              </span>
            </Row>
            <Row label="Email">{MODE_LABEL[health.email.mode]}</Row>
            <Row label="Background jobs">
              <span className="flex items-center gap-2">
                {MODE_LABEL[health.jobs.mode]}
                {health.jobs.durable ? <Badge tone="green">durable</Badge> : <Badge tone="amber">not durable</Badge>}
              </span>
            </Row>
            <Row label="Heartbeat job">
              <span className="flex flex-wrap items-center gap-2">
                {heartbeat?.lastFinishedAt
                  ? `Last ran ${formatDateTime(heartbeat.lastFinishedAt)} (${heartbeat.runner})`
                  : "Has not run yet"}
                {role === "admin" || role === "owner" ? <RunHeartbeatButton /> : null}
                <Link href="/settings/jobs" className="text-sm font-medium text-brand-700 underline underline-offset-2">
                  All jobs →
                </Link>
              </span>
            </Row>
          </dl>
        </Card>
        <Card>
          <CardHeader title="Admins" description="Who can sign in, and what they may do." />
          <div className="px-4 py-4 text-sm text-slate-600">
            {role === "owner" ? (
              <Link href="/settings/admins" className="font-medium text-brand-700 hover:underline">
                Manage admins →
              </Link>
            ) : (
              <p>Only owners manage admins. You are signed in as {role}.</p>
            )}
          </div>
        </Card>
        <Card>
          <CardHeader
            title="Suppressions"
            description="Addresses that get no marketing email: unsubscribed, bounced, complained or added by hand."
          />
          <div className="px-4 py-4 text-sm text-slate-600">
            <Link href="/settings/suppressions" className="font-medium text-brand-700 hover:underline">
              Manage suppressions →
            </Link>
          </div>
        </Card>
        <Card>
          <CardHeader
            title="Frequency caps and quiet hours"
            description="How much marketing a person receives, and when nothing is sent."
          />
          <div className="px-4 py-4 text-sm text-slate-600">
            <Link href="/settings/messaging" className="font-medium text-brand-700 hover:underline">
              Set caps and quiet hours →
            </Link>
          </div>
        </Card>
        <Card>
          <CardHeader title="API keys" description="Keys the main app uses to show in-app messages and send replies." />
          <div className="px-4 py-4 text-sm text-slate-600">
            {role === "owner" ? (
              <Link href="/settings/api-keys" className="font-medium text-brand-700 hover:underline">
                Manage API keys →
              </Link>
            ) : (
              <p>Only owners create and revoke API keys.</p>
            )}
          </div>
        </Card>
      </div>
    </>
  );
}
