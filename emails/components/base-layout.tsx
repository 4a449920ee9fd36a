import { Body, Container, Head, Hr, Html, Preview, Section, Text } from "@react-email/components";
import type { ReactNode } from "react";

export type TBaseLayoutProps = {
  preview: string;
  children: ReactNode;
  /** Why the reader got this email, shown in the footer. */
  reason: string;
  postalAddress?: string;
  /** Marketing emails must carry it; transactional ones may omit it. */
  unsubscribeUrl?: string;
};

const colors = { ink: "#1f2937", muted: "#6b7280", line: "#e5e7eb", brand: "#4f46e5", page: "#f8fafc" };

/** The branded frame of every CRM email: header, content, footer with address and reason. */
export function BaseLayout({ preview, children, reason, postalAddress, unsubscribeUrl }: TBaseLayoutProps) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{preview}</Preview>
      <Body style={{ backgroundColor: colors.page, fontFamily: "Helvetica, Arial, sans-serif", color: colors.ink }}>
        <Container style={{ maxWidth: 560, margin: "24px auto", backgroundColor: "#ffffff", borderRadius: 8, padding: 32 }}>
          <Text style={{ fontSize: 14, fontWeight: 700, color: colors.brand, letterSpacing: 0.5, margin: 0 }}>VibrationFit</Text>
          <Section style={{ marginTop: 16 }}>{children}</Section>
          <Hr style={{ borderColor: colors.line, margin: "28px 0 16px" }} />
          <Text style={{ fontSize: 12, color: colors.muted, margin: 0 }}>{reason}</Text>
          {postalAddress ? <Text style={{ fontSize: 12, color: colors.muted, margin: "4px 0 0" }}>{postalAddress}</Text> : null}
          {unsubscribeUrl ? (
            <Text style={{ fontSize: 12, color: colors.muted, margin: "4px 0 0" }}>
              <a href={unsubscribeUrl} style={{ color: colors.muted }}>
                Unsubscribe
              </a>
            </Text>
          ) : null}
        </Container>
      </Body>
    </Html>
  );
}
