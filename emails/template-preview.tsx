import { Heading, Link, Text } from "@react-email/components";
import { BaseLayout } from "./components/base-layout";

/**
 * What a template email looks like (the layout compileTemplate renders into),
 * with sample content, for `npm run email:dev`.
 */
export default function TemplatePreviewEmail({
  postalAddress = "VibrationFit, 123 Example Street, Austin, TX 78701, USA",
  unsubscribeUrl = "http://localhost:3000/unsubscribe?token=preview",
}: {
  postalAddress?: string;
  unsubscribeUrl?: string;
}) {
  return (
    <BaseLayout
      preview="Your weekly vision check-in"
      reason="You are receiving this because you have a VibrationFit account."
      postalAddress={postalAddress}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Heading as="h1" style={{ fontSize: 22, margin: "20px 0 8px" }}>
        Hi Alex,
      </Heading>
      <Text style={{ fontSize: 15, lineHeight: "24px", margin: "0 0 12px" }}>
        Your <strong>pro</strong> plan includes a fresh vision every week.{" "}
        <Link href="https://vibrationfit.com/visions">Open your visions</Link>.
      </Text>
    </BaseLayout>
  );
}
