import Link from "next/link";

export default function NotFound() {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 text-center">
      <p className="text-sm font-semibold text-brand-600">404</p>
      <h1 className="mt-2 text-xl font-semibold text-slate-900">Page not found</h1>
      <p className="mt-2 text-sm text-slate-500">That page does not exist.</p>
      <Link href="/" className="mt-6 text-sm font-medium text-brand-700 hover:underline">
        Go to the dashboard
      </Link>
    </main>
  );
}
