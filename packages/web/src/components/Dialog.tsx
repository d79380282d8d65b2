import { useEffect, useId, useRef, type ReactNode } from 'react';
import { X } from 'lucide-react';
import { cn } from './cn';

interface DialogProps {
  open: boolean;
  title: string;
  description?: ReactNode;
  /** While true, Escape and clicks outside do nothing (a request is in flight). */
  busy?: boolean;
  onClose: () => void;
  /** md for a confirmation, lg (the default) for a form. */
  size?: 'md' | 'lg';
  /** The × in the corner; a confirmation has its own Cancel instead. */
  closeButton?: boolean;
  className?: string;
  children: ReactNode;
}

/** A modal on the native <dialog>: focus trapping and Escape come with it. */
export function Dialog({
  open,
  title,
  description,
  busy = false,
  onClose,
  size = 'lg',
  closeButton = true,
  className,
  children,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
      onMouseDown={(event) => {
        if (event.target === ref.current && !busy) onClose();
      }}
      className={cn(
        'm-auto w-full rounded-xl border border-zinc-200 bg-white p-0 shadow-xl backdrop:bg-zinc-950/40 backdrop:backdrop-blur-[1px]',
        size === 'md' ? 'max-w-md' : 'max-w-lg',
        className,
      )}
    >
      {open && (
        <div className="p-6">
          <div className="flex items-start justify-between gap-4">
            <div className="min-w-0 flex-1">
              <h2 id={titleId} className="text-base font-semibold text-zinc-900">
                {title}
              </h2>
              {description && (
                <div id={descriptionId} className="mt-1 text-sm text-zinc-500">
                  {description}
                </div>
              )}
            </div>
            {closeButton && (
              <button
                type="button"
                onClick={onClose}
                disabled={busy}
                className="-m-1 rounded-md p-1 text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700 focus-visible:outline-2 focus-visible:outline-accent-ring"
                aria-label="Close"
              >
                <X className="size-4" aria-hidden />
              </button>
            )}
          </div>
          <div className="mt-5">{children}</div>
        </div>
      )}
    </dialog>
  );
}
