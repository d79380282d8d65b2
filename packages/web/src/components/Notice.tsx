import type { ReactNode } from 'react';
import { CircleCheck, Info, TriangleAlert } from 'lucide-react';
import { cn } from './cn';

type Tone = 'info' | 'success' | 'warning';

const tones: Record<Tone, { box: string; icon: ReactNode }> = {
  info: { box: 'border-blue-200 bg-blue-50 text-blue-900', icon: <Info className="mt-0.5 size-4 shrink-0 text-blue-600" aria-hidden /> },
  success: {
    box: 'border-emerald-200 bg-emerald-50 text-emerald-900',
    icon: <CircleCheck className="mt-0.5 size-4 shrink-0 text-emerald-600" aria-hidden />,
  },
  warning: {
    box: 'border-amber-200 bg-amber-50 text-amber-900',
    icon: <TriangleAlert className="mt-0.5 size-4 shrink-0 text-amber-600" aria-hidden />,
  },
};

/** A non-error message box: informational, success, or a caution. */
export function Notice({
  tone = 'info',
  title,
  children,
  className,
  role,
}: {
  tone?: Tone;
  title?: ReactNode;
  children?: ReactNode;
  className?: string;
  role?: 'status' | 'alert';
}) {
  return (
    <div role={role} className={cn('flex items-start gap-3 rounded-lg border px-4 py-3 text-sm', tones[tone].box, className)}>
      {tones[tone].icon}
      <div className="min-w-0 flex-1">
        {title && <p className="font-medium">{title}</p>}
        {children && <div className={title ? 'mt-0.5 opacity-90' : undefined}>{children}</div>}
      </div>
    </div>
  );
}
