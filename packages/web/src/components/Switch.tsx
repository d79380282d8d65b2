import { cn } from './cn';

interface SwitchProps {
  id?: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  label: string;
  /** Hide the label visually (it stays for screen readers). */
  hideLabel?: boolean;
}

/** An on/off toggle: a native checkbox with the switch role, so Space toggles it. */
export function Switch({ id, checked, onChange, disabled, label, hideLabel = false }: SwitchProps) {
  return (
    <label className={cn('inline-flex items-center gap-2', disabled ? 'cursor-not-allowed' : 'cursor-pointer')}>
      <span className="relative inline-flex">
        <input
          id={id}
          type="checkbox"
          role="switch"
          checked={checked}
          disabled={disabled}
          onChange={(event) => onChange(event.target.checked)}
          className="peer sr-only"
        />
        <span
          aria-hidden
          className={cn(
            'h-5 w-9 rounded-full transition-colors peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-accent-ring',
            checked ? 'bg-accent' : 'bg-zinc-300',
            disabled && 'opacity-50',
          )}
        />
        <span
          aria-hidden
          className={cn(
            'absolute top-0.5 left-0.5 size-4 rounded-full bg-white shadow-sm transition-transform',
            checked && 'translate-x-4',
          )}
        />
      </span>
      <span className={cn('text-sm text-zinc-700', hideLabel && 'sr-only')}>{label}</span>
    </label>
  );
}
