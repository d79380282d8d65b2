import { useState } from 'react';
import { MIN_PASSWORD_LENGTH } from '@paddock/protocol';
import { Field, inputClass } from '../../components/Field';

/** A new password typed twice, checked against the one rule the API applies (protocol's MIN_PASSWORD_LENGTH). */
export function useNewPassword() {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  return {
    password,
    confirm,
    setPassword,
    setConfirm,
    valid: password.length >= MIN_PASSWORD_LENGTH && confirm === password,
    reset: () => {
      setPassword('');
      setConfirm('');
    },
  };
}

/** The "new password" and "confirm" fields; `touched` shows what is still missing after a submit. */
export function NewPasswordFields({
  idPrefix,
  state,
  touched,
  label = 'New password',
  confirmLabel = 'Confirm new password',
}: {
  idPrefix: string;
  state: ReturnType<typeof useNewPassword>;
  touched: boolean;
  label?: string;
  confirmLabel?: string;
}) {
  const { password, confirm, setPassword, setConfirm } = state;
  const passwordError =
    password.length > 0 && password.length < MIN_PASSWORD_LENGTH
      ? `Use at least ${MIN_PASSWORD_LENGTH} characters.`
      : touched && !password
        ? 'Choose a password.'
        : null;
  const confirmError =
    confirm.length > 0 && confirm !== password ? 'The passwords do not match.' : touched && !confirm ? 'Type the password again.' : null;
  return (
    <>
      <Field id={`${idPrefix}-password`} label={label} hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} error={passwordError}>
        <input
          id={`${idPrefix}-password`}
          name="new-password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={inputClass}
          aria-invalid={Boolean(passwordError)}
          aria-describedby={`${idPrefix}-password-hint`}
        />
      </Field>
      <Field id={`${idPrefix}-confirm`} label={confirmLabel} error={confirmError}>
        <input
          id={`${idPrefix}-confirm`}
          name="confirm-password"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          className={inputClass}
          aria-invalid={Boolean(confirmError)}
          aria-describedby={`${idPrefix}-confirm-hint`}
        />
      </Field>
    </>
  );
}
