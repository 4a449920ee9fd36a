import { Button, Text } from "@react-email/components";
import { BaseLayout } from "./components/base-layout";

export type TMagicLinkEmailProps = { url: string; host: string; expiresInMinutes: number; postalAddress?: string };

/** Sign-in link for an invited admin. Default props are the preview data for `npm run email:dev`. */
export default function MagicLinkEmail({
  url = "http://localhost:3000/api/auth/callback/email?token=preview",
  host = "localhost:3000",
  expiresInMinutes = 15,
  postalAddress = "VibrationFit, 123 Example Street, Austin, TX 78701, USA",
}: Partial<TMagicLinkEmailProps>) {
  return (
    <BaseLayout
      preview={`Sign in to the VibrationFit CRM`}
      reason={`You (or someone using your address) asked to sign in to the VibrationFit CRM at ${host}. If it was not you, ignore this email.`}
      postalAddress={postalAddress}
    >
      <Text style={{ fontSize: 20, fontWeight: 600, margin: "0 0 12px" }}>Sign in to the CRM</Text>
      <Text style={{ fontSize: 15, lineHeight: "22px", margin: "0 0 20px" }}>
        Use the button below to sign in. The link works once and expires in {expiresInMinutes} minutes.
      </Text>
      <Button
        href={url}
        style={{ backgroundColor: "#4f46e5", color: "#ffffff", padding: "12px 20px", borderRadius: 6, fontSize: 15, fontWeight: 600 }}
      >
        Sign in
      </Button>
      <Text style={{ fontSize: 12, color: "#6b7280", margin: "20px 0 0", wordBreak: "break-all" }}>
        Or paste this link into your browser: {url}
      </Text>
    </BaseLayout>
  );
}
