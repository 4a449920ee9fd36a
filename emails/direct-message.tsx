import { Text } from "@react-email/components";
import { BaseLayout } from "./components/base-layout";

export type TDirectMessageEmailProps = { subject: string; content: string; fromName: string; postalAddress?: string };

/** A one-on-one message from the VibrationFit team. Default props are the preview data for `npm run email:dev`. */
export default function DirectMessageEmail({
  subject = "About your vision board",
  content = "Hi Alex,\n\nI saw you finished the intensive last week: congratulations!\n\nReply to this email if you have questions.",
  fromName = "coach@vibrationfit.com",
  postalAddress = "VibrationFit, 123 Example Street, Austin, TX 78701, USA",
}: Partial<TDirectMessageEmailProps>) {
  // Plain text, one paragraph per blank-line block: what the admin typed is never read as markup.
  const paragraphs = content
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter(Boolean);
  return (
    <BaseLayout
      preview={subject}
      reason={`${fromName} of the VibrationFit team wrote to you. Reply to this email to answer.`}
      postalAddress={postalAddress}
    >
      {paragraphs.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: paragraphs of one message have no ids
        <Text key={i} style={{ fontSize: 15, lineHeight: "24px", margin: "0 0 12px", whiteSpace: "pre-line" }}>
          {p}
        </Text>
      ))}
    </BaseLayout>
  );
}
