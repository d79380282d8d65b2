import { Check } from 'lucide-react';

/** A quiet "Saved" next to a save button, announced to screen readers. */
export function SavedNote({ show, children = 'Saved' }: { show: boolean; children?: string }) {
  return (
    <span role="status" className="inline-flex items-center gap-1 text-sm text-emerald-700">
      {show && (
        <>
          <Check className="size-4" aria-hidden />
          {children}
        </>
      )}
    </span>
  );
}
