/**
 * npm run push:keys — a fresh VAPID key pair (RFC 8292) for Web Push, as
 * the environment variables the CRM reads. Keep the private key secret; the
 * public key is what browsers subscribe with (GET /api/v1/push/public-key).
 * Changing the pair later invalidates every existing subscription.
 */
import webpush from "web-push";

const { publicKey, privateKey } = webpush.generateVAPIDKeys();
console.log(`VAPID_PUBLIC_KEY=${publicKey}`);
console.log(`VAPID_PRIVATE_KEY=${privateKey}`);
console.log("VAPID_SUBJECT=mailto:crm@vibrationfit.com");
