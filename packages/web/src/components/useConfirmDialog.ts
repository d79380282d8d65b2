import { useState } from 'react';
import type { ConfirmDialogProps } from './ConfirmDialog';

/** The part of a TanStack Query mutation a confirmation uses. */
interface ConfirmableMutation<TVariables> {
  mutate: (variables: TVariables, options?: { onSuccess?: () => void }) => void;
  reset: () => void;
  error: unknown;
  isPending: boolean;
}

/** A table's "are you sure?" for one row's mutation, so every page clears the last failure on opening and closes on success alike. */
export function useConfirmDialog<TRow, TVariables>(
  mutation: ConfirmableMutation<TVariables>,
  variablesOf: (row: TRow) => TVariables,
) {
  const [target, setTarget] = useState<TRow | null>(null);
  const dialogProps: Pick<ConfirmDialogProps, 'open' | 'error' | 'loading' | 'onClose' | 'onConfirm'> = {
    open: target !== null,
    error: mutation.error,
    loading: mutation.isPending,
    onClose: () => setTarget(null),
    onConfirm: () => {
      if (target !== null) mutation.mutate(variablesOf(target), { onSuccess: () => setTarget(null) });
    },
  };
  return {
    /** The row being confirmed, or null while the dialog is closed. */
    target,
    ask: (row: TRow) => {
      mutation.reset();
      setTarget(row);
    },
    dialogProps,
  };
}
