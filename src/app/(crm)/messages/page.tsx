import { Card, EmptyState, PageHeader } from "@/components/ui/primitives";

export const metadata = { title: "Messages" };

export default function MessagesPage() {
  return (
    <>
      <PageHeader title="Messages" description="One-on-one conversations with users." />
      <Card>
        <EmptyState title="Not available yet">This part of the CRM has not been built yet. Nothing is hidden here.</EmptyState>
      </Card>
    </>
  );
}
