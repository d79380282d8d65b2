import { useEffect, useState } from 'react';
import { Check, Copy } from 'lucide-react';
import { Button } from './Button';

interface CopyButtonProps {
  value: string;
  label?: string;
  size?: 'sm' | 'md';
}

export function CopyButton({ value, label = 'Copy', size = 'sm' }: CopyButtonProps) {
  const [copied, setCopied] = useState<boolean | 'failed'>(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Clipboard access needs a secure context; the value stays selectable.
      setCopied('failed');
    }
  };

  return (
    <Button
      size={size}
      onClick={() => void copy()}
      icon={copied === true ? <Check className="size-3.5 text-emerald-600" aria-hidden /> : <Copy className="size-3.5" aria-hidden />}
    >
      <span aria-live="polite">{copied === true ? 'Copied' : copied === 'failed' ? 'Select and copy' : label}</span>
    </Button>
  );
}

/** A read-only value in monospace with a copy button, e.g. a URL to paste elsewhere. */
export function CopyField({ value, label, id }: { value: string; label: string; id: string }) {
  return (
    <div className="flex items-center gap-2">
      <input
        id={id}
        aria-label={label}
        readOnly
        value={value}
        onFocus={(event) => event.currentTarget.select()}
        className="block h-9 min-w-0 flex-1 rounded-md border border-zinc-300 bg-zinc-50 px-3 font-mono text-[13px] text-zinc-900 focus:border-accent-ring focus:outline-none focus:ring-2 focus:ring-accent-ring/20"
      />
      <CopyButton value={value} size="md" />
    </div>
  );
}
