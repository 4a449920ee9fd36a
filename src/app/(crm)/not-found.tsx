import Link from "next/link";
import { Card, EmptyState } from "@/components/ui/primitives";

export default function CrmNotFound() {
  return (
    <Card>
      <EmptyState title="404 — Not found">
        That page or record does not exist.{" "}
        <Link href="/" className="text-brand-700 underline">
          Back to the dashboard
        </Link>
      </EmptyState>
    </Card>
  );
}
