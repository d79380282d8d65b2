import type { ReactNode } from 'react';
import { Logo } from './Logo';

/** The frame of the pages seen before signing in (sign-in, an invite, a password reset): the logo over one narrow column. */
export function SignedOutFrame({ heading, children }: { heading?: ReactNode; children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col items-center justify-center bg-zinc-50 px-4 py-12">
      <div className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center text-center">
          <Logo className="size-10" />
          {heading}
        </div>
        {children}
      </div>
    </div>
  );
}
