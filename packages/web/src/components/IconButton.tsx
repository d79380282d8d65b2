import type { ReactNode } from 'react';
import { cn } from './cn';

interface IconButtonProps {
  /** The accessible name, also shown as a tooltip. */
  label: string;
  onClick: () => void;
  disabled?: boolean;
  /** For a toggle: announced as pressed or not. */
  pressed?: boolean;
  /** sm: a compact toolbar on grey (the file tree); md: a 32px square (the preview bar). */
  size?: 'sm' | 'md';
  children: ReactNode;
}

const sizes = {
  sm: 'rounded p-1 hover:bg-zinc-200',
  md: 'flex size-8 items-center justify-center rounded-md hover:bg-zinc-100',
};

/** A button that is only an icon, named by its label. */
export function IconButton({ label, onClick, disabled, pressed, size = 'md', children }: IconButtonProps) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      disabled={disabled}
      aria-pressed={pressed}
      onClick={onClick}
      className={cn(
        sizes[size],
        'text-zinc-600 hover:text-zinc-900 disabled:text-zinc-300 disabled:hover:bg-transparent',
      )}
    >
      {children}
    </button>
  );
}
