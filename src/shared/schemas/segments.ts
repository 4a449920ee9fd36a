import { z } from "zod";
import { ZCriteria } from "@/shared/criteria/schema";

const name = z.string().trim().min(1, "Name the segment").max(100, "At most 100 characters");
const description = z.string().trim().max(500, "At most 500 characters").optional();

export const ZCreateSegmentInput = z.object({ name, description, criteria: ZCriteria });
export type TCreateSegmentInput = z.input<typeof ZCreateSegmentInput>;
export const ZUpdateSegmentInput = z.object({ id: z.guid(), name: name.optional(), description, criteria: ZCriteria.optional() });
export type TUpdateSegmentInput = z.input<typeof ZUpdateSegmentInput>;
export const ZSegmentId = z.object({ id: z.guid("Not a segment id") });
export const ZPreviewSegmentInput = z.object({
  criteria: ZCriteria,
  /** The segment being edited, so a reference back to it is reported as a cycle. */
  segmentId: z.guid().optional(),
  sampleSize: z.number().int().min(0).max(50).default(10),
});
export type TPreviewSegmentInput = z.input<typeof ZPreviewSegmentInput>;
