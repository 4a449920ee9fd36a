import { Badge } from "@/components/ui/primitives";

const TONE = {
  draft: "slate",
  scheduled: "brand",
  sending: "amber",
  sent: "green",
  paused: "amber",
  canceled: "slate",
  failed: "red",
} as const;

export function CampaignStatusBadge({ status }: { status: keyof typeof TONE }) {
  return <Badge tone={TONE[status]}>{status}</Badge>;
}
