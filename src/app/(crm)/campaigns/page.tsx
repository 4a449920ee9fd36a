import { Card, EmptyState, PageHeader } from "@/components/ui/primitives";

export const metadata = { title: "Campaigns" };

export default function CampaignsPage() {
  return (
    <>
      <PageHeader title="Campaigns" description="Email and in-app campaigns to segments, with open and click tracking." />
      <Card>
        <EmptyState title="Not available yet">This part of the CRM has not been built yet. Nothing is hidden here.</EmptyState>
      </Card>
    </>
  );
}
