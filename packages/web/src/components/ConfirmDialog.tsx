import type { ReactNode } from 'react';
import { Button } from './Button';
import { Dialog } from './Dialog';
import { ErrorBanner } from './ErrorBanner';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  /** A sentence or two (inline content: it is set in a paragraph). */
  description: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  loading?: boolean;
  /** Why the confirmed action failed, shown under the description (e.g. a mutation's `error`). */
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
}

/** A modal confirmation: a Dialog with Cancel and a confirm button, and no × (Cancel is the way out). */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  destructive = false,
  loading = false,
  error,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  return (
    <Dialog
      open={open}
      title={title}
      description={
        <div className="space-y-3">
          <p>{description}</p>
          {error != null && <ErrorBanner error={error} />}
        </div>
      }
      busy={loading}
      onClose={onClose}
      size="md"
      closeButton={false}
    >
      <div className="flex justify-end gap-2">
        <Button onClick={onClose} disabled={loading}>
          Cancel
        </Button>
        <Button variant={destructive ? 'destructive' : 'primary'} loading={loading} onClick={onConfirm} autoFocus>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
