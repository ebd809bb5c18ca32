/** The signed-in user's own password: current, new and new again; the API's refusal shown in the form. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, currentSession } from '../api.ts';

export default function PasswordChange() {
  const queries = useQueryClient();
  const session = useQuery({ queryKey: ['session'], queryFn: currentSession });
  const [mismatch, setMismatch] = useState(false);
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      api('PUT', '/api/session/password', body),
    // The session now says the password need not change.
    onSuccess: () => queries.invalidateQueries({ queryKey: ['session'] }),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const element = event.currentTarget;
    const form = new FormData(element);
    const newPassword = String(form.get('newPassword'));
    const same = newPassword === String(form.get('repeat'));
    setMismatch(!same);
    if (!same) return change.reset();
    change.mutate(
      { currentPassword: String(form.get('currentPassword')), newPassword },
      { onSuccess: () => element.reset() },
    );
  };
  return (
    <section>
      <h2>Change password</h2>
      {session.data?.user.mustChangePassword && (
        <p className="warning" role="note">
          Your password is still the one Agora handed out (in the first start’s banner, or by an admin):
          choose one of your own.
        </p>
      )}
      <figure>
        <figcaption>
          {session.data ? `For ${session.data.user.email}. ` : ''}At least 12 characters; your other sessions
          end when it changes.
        </figcaption>
        <form className="password" onSubmit={submit}>
          <label>
            Current password
            <input name="currentPassword" type="password" autoComplete="current-password" required />
          </label>
          <label>
            New password
            <input name="newPassword" type="password" autoComplete="new-password" required />
          </label>
          <label>
            New password, again
            <input name="repeat" type="password" autoComplete="new-password" required />
          </label>
          {mismatch && (
            <p className="error" role="alert">
              The two new passwords differ: type the same one twice.
            </p>
          )}
          {change.isError && (
            <p className="error" role="alert">
              {change.error.message}
            </p>
          )}
          {change.isSuccess && (
            <p className="created" role="status">
              Your password is changed. Sign in with it from now on; your other sessions have ended.
            </p>
          )}
          <button type="submit" disabled={change.isPending}>
            Change password
          </button>
        </form>
      </figure>
    </section>
  );
}
