import { NavLink } from 'react-router-dom';

/** The navigation's way to the password form: a plain link, or a nudge while the password is one handed out. */
export function PasswordEntry({ mustChange }: { mustChange: boolean }) {
  return (
    <NavLink to="/password" className={mustChange ? 'nudge' : undefined} end>
      {mustChange ? 'Change your password: it is still the one handed out' : 'Change password'}
    </NavLink>
  );
}
