import type { ReactNode } from 'react';
import { Card } from './Card';
import { cn } from './cn';

interface SectionProps {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  className?: string;
  /** For a section that is itself a table or list: no padding around the body. */
  flush?: boolean;
  children: ReactNode;
}

/** A titled card: one concern of a settings page. */
export function Section({ title, description, actions, className, flush = false, children }: SectionProps) {
  return (
    <Card className={cn('overflow-hidden', className)}>
      <section>
        <div className="flex flex-wrap items-start justify-between gap-3 border-b border-zinc-200 px-5 py-4">
          <div className="min-w-0">
            <h2 className="text-[15px] font-semibold text-zinc-900">{title}</h2>
            {description && <p className="mt-0.5 text-sm text-zinc-500">{description}</p>}
          </div>
          {actions && <div className="flex items-center gap-2">{actions}</div>}
        </div>
        <div className={flush ? undefined : 'p-5'}>{children}</div>
      </section>
    </Card>
  );
}
