"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { buttonClass, Card, CardHeader } from "@/components/ui/primitives";
import { useTRPC } from "@/trpc/react";
import { ReaderPicker } from "./template-editor";

/** Send the current version to a few users: a small campaign of its own, delivered in the background, with its own report. */
export function SendTemplate({ templateId }: { templateId: string }) {
  const trpc = useTRPC();
  const [picked, setPicked] = useState<{ id: string; label: string }[]>([]);
  const send = useMutation(trpc.messaging.templates.send.mutationOptions({ onSuccess: () => setPicked([]) }));
  return (
    <Card>
      <CardHeader
        title="Send to users"
        description="One email each, from the current version, delivered in the background with its own report. For a segment, use a campaign."
      />
      <div className="space-y-3 p-4">
        <ReaderPicker
          label="Add a user"
          value={null}
          onChange={(u) => {
            if (u && !picked.some((p) => p.id === u.id)) setPicked([...picked, u]);
          }}
        />
        {picked.length ? (
          <ul className="flex flex-wrap gap-1.5" aria-label="Recipients">
            {picked.map((p) => (
              <li key={p.id} className="inline-flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-2 pr-1 text-xs text-slate-700">
                {p.label}
                <button
                  type="button"
                  aria-label={`Remove ${p.label}`}
                  className="px-1 text-slate-500 hover:text-slate-700"
                  onClick={() => setPicked(picked.filter((x) => x.id !== p.id))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <button
          type="button"
          className={buttonClass.primary}
          disabled={!picked.length || send.isPending}
          onClick={() => send.mutate({ templateId, userIds: picked.map((p) => p.id) })}
        >
          {send.isPending ? "Queueing…" : `Send to ${picked.length} ${picked.length === 1 ? "user" : "users"}`}
        </button>
        {send.data ? (
          <p role="status" className="text-sm text-slate-700">
            {send.data.queued
              ? `Queued ${send.data.queued} ${send.data.queued === 1 ? "email" : "emails"} (version ${send.data.version})`
              : "Nothing to send"}
            {send.data.suppressed.length ? `, ${send.data.suppressed.length} skipped (unsubscribed, bounced or suppressed by hand)` : ""}
            {send.data.unknown.length ? `, ${send.data.unknown.length} unknown users skipped` : ""}.{" "}
            {send.data.campaignId ? (
              <Link href={`/campaigns/${send.data.campaignId}`} className="font-medium text-brand-700 hover:underline">
                Follow delivery and opens
              </Link>
            ) : null}
          </p>
        ) : null}
        {send.error ? (
          <p role="alert" className="text-sm text-red-700">
            {send.error.message}
          </p>
        ) : null}
      </div>
    </Card>
  );
}
