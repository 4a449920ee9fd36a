import { notFound } from "next/navigation";
import { SegmentBuilder } from "@/components/segments/segment-builder";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { orNotFound } from "@/trpc/or-not-found";
import { api } from "@/trpc/server";
import { builderOptions } from "../../builder-options";

export const metadata = { title: "Edit segment" };

export default async function EditSegmentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const caller = await api();
  const me = await caller.admins.me();
  if (me.role === "viewer") return <Forbidden what="Viewers can look at segments but not edit them." />;
  const segment = await orNotFound(caller.segments.get({ id }));
  if (!segment) notFound();
  return (
    <>
      <PageHeader title={`Edit “${segment.name}”`} description="Saving recomputes the members at once." />
      <SegmentBuilder options={await builderOptions()} initial={segment} />
    </>
  );
}
