import type { ReactNode } from 'react';
import { cn } from './cn';

/** A text control without a width, for rows that size it themselves. */
export const controlClass =
  'block h-9 rounded-md border border-zinc-300 bg-white px-3 text-sm text-zinc-900 shadow-xs placeholder:text-zinc-400 focus:border-accent-ring focus:outline-none focus:ring-2 focus:ring-accent-ring/20 disabled:bg-zinc-50 disabled:text-zinc-500 read-only:bg-zinc-50 aria-[invalid=true]:border-red-400';

export const inputClass = cn(controlClass, 'w-full');

export const selectClass = cn(inputClass, 'pr-8');

export const textareaClass = cn(inputClass, 'h-auto min-h-20 py-2 leading-5');

/** For lists of addresses, CIDRs and the like: one entry a line, in monospace. */
export const codeTextareaClass = cn(inputClass, 'h-auto min-h-28 py-2 font-mono text-[13px] leading-5');

interface FieldProps {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  className?: string;
  children: ReactNode;
}

/** A label, the control, and a hint or an error under it (the control should point at `${id}-hint`). */
export function Field({ id, label, hint, error, className, children }: FieldProps) {
  return (
    <div className={cn('space-y-1.5', className)}>
      <label htmlFor={id} className="block text-sm font-medium text-zinc-700">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${id}-hint`} className="text-xs text-red-600">
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-zinc-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
