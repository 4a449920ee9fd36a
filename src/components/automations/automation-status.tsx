import { Badge } from "@/components/ui/primitives";
import type { TAutomationStatus } from "@/shared/schemas/automations";

const TONES = { draft: "slate", live: "green", paused: "amber", archived: "slate" } as const;
const LABELS = { draft: "Draft", live: "Live", paused: "Paused", archived: "Archived" } as const;

export function AutomationStatus({ status }: { status: TAutomationStatus }) {
  return <Badge tone={TONES[status]}>{LABELS[status]}</Badge>;
}
