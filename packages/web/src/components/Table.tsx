import type { HTMLAttributes, ReactNode, ThHTMLAttributes } from 'react';
import { Skeleton } from './Skeleton';
import { cn } from './cn';

/** The house table: header in small caps on zinc, quiet row dividers. */
export function Table({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div className="overflow-x-auto">
      <table className={cn('w-full text-left text-sm', className)}>{children}</table>
    </div>
  );
}

export function THead({ children }: { children: ReactNode }) {
  return (
    <thead className="border-b border-zinc-200 bg-zinc-50/80 text-xs font-medium tracking-wide text-zinc-500 uppercase">
      <tr>{children}</tr>
    </thead>
  );
}

export function Th({ className, ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="col" className={cn('px-4 py-3 font-medium whitespace-nowrap', className)} {...rest} />;
}

export function TBody(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className="divide-y divide-zinc-100" {...props} />;
}

export function Td({ className, ...rest }: HTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn('px-4 py-3 align-middle', className)} {...rest} />;
}

export function TableSkeleton({ rows = 3, label }: { rows?: number; label: string }) {
  return (
    <div className="divide-y divide-zinc-100" aria-busy="true" aria-label={label}>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-6 px-4 py-4">
          <Skeleton className="h-4 w-40" />
          <Skeleton className="h-4 w-24" />
          <Skeleton className="h-5 w-16 rounded-full" />
          <Skeleton className="ml-auto h-8 w-24" />
        </div>
      ))}
    </div>
  );
}

/** A quiet empty message inside a section, with an optional icon above and an action below. */
export function TableEmpty({ icon, action, children }: { icon?: ReactNode; action?: ReactNode; children: ReactNode }) {
  if (!icon && !action) return <p className="px-5 py-8 text-center text-sm text-zinc-500">{children}</p>;
  return (
    <div className={cn('flex flex-col items-center px-5 py-8 text-center text-sm text-zinc-500', action ? 'gap-3' : 'gap-2')}>
      {icon}
      {children}
      {action}
    </div>
  );
}
