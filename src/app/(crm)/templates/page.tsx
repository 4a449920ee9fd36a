import { Card, EmptyState, PageHeader } from "@/components/ui/primitives";

export const metadata = { title: "Templates" };

export default function TemplatesPage() {
  return (
    <>
      <PageHeader title="Templates" description="Email templates with merge variables and a live preview." />
      <Card>
        <EmptyState title="Not available yet">This part of the CRM has not been built yet. Nothing is hidden here.</EmptyState>
      </Card>
    </>
  );
}
