import { SegmentBuilder } from "@/components/segments/segment-builder";
import { Forbidden, PageHeader } from "@/components/ui/primitives";
import { api } from "@/trpc/server";
import { builderOptions } from "../builder-options";

export const metadata = { title: "New segment" };

export default async function NewSegmentPage() {
  const me = await (await api()).admins.me();
  if (me.role === "viewer") return <Forbidden what="Viewers can look at segments but not create them." />;
  return (
    <>
      <PageHeader
        title="New segment"
        description="Combine conditions in groups. The count on the right is live; members are computed when you save."
      />
      <SegmentBuilder options={await builderOptions()} />
    </>
  );
}
