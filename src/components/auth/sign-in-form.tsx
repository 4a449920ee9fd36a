"use client";

import { useActionState } from "react";
import { signInAction, type TSignInState } from "@/app/(auth)/sign-in/actions";
import { buttonClass, inputClass } from "@/components/ui/primitives";

export function SignInForm({ defaultEmail }: { defaultEmail?: string }) {
  const [state, action, pending] = useActionState<TSignInState, FormData>(signInAction, { email: defaultEmail });
  return (
    <form action={action} className="space-y-4" noValidate>
      <div>
        <label htmlFor="email" className="mb-1.5 block text-sm font-medium text-slate-700">
          Work email
        </label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          required
          defaultValue={state.email ?? defaultEmail}
          aria-invalid={state.error ? true : undefined}
          aria-describedby={state.error ? "email-error" : undefined}
          className={inputClass}
          placeholder="you@vibrationfit.com"
        />
        {state.error ? (
          <p id="email-error" role="alert" className="mt-1.5 text-sm text-red-600">
            {state.error}
          </p>
        ) : null}
      </div>
      <button type="submit" className={`${buttonClass.primary} w-full`} disabled={pending}>
        {pending ? "Sending link…" : "Email me a sign-in link"}
      </button>
    </form>
  );
}
