"use client";

import { buttonClass, Card, EmptyState } from "@/components/ui/primitives";

export default function CrmError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Card>
      <EmptyState title="Something went wrong loading this page">
        <p>{error.digest ? `Reference ${error.digest}. ` : ""}The details are in the server log.</p>
        <button type="button" onClick={reset} className={`${buttonClass.secondary} mt-4`}>
          Try again
        </button>
      </EmptyState>
    </Card>
  );
}
