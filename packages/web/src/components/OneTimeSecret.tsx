import type { ReactNode } from 'react';
import { KeyRound } from 'lucide-react';
import { CopyField } from './CopyButton';

interface OneTimeSecretProps {
  id: string;
  label: string;
  value: string;
  /** What to do with it; the "shown only once" warning is always there. */
  children?: ReactNode;
}

/** A token or link the server shows only once: copy it now or make another. */
export function OneTimeSecret({ id, label, value, children }: OneTimeSecretProps) {
  return (
    <div className="space-y-3 rounded-lg border border-amber-200 bg-amber-50/60 p-4" data-testid="one-time-secret">
      <div className="flex items-center gap-2 text-sm font-medium text-amber-900">
        <KeyRound className="size-4 text-amber-600" aria-hidden />
        {label}
      </div>
      <CopyField id={id} label={label} value={value} />
      <div className="space-y-1 text-xs text-amber-900/80">
        <p className="font-medium">This is shown only once. Copy it now: Paddock does not keep a readable copy.</p>
        {children}
      </div>
    </div>
  );
}
