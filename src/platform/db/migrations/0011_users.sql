-- People who sign in to the console (docs/console.md): an admin changes things, an analyst reads. Passwords
-- are kept as scrypt hashes; sessions by the SHA-256 of their cookie, with a CSRF token each.
CREATE SEQUENCE user_id_seq START 1;
CREATE TABLE users (
  user_id BIGINT NOT NULL DEFAULT nextval('user_id_seq') PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'analyst')),
  password_hash TEXT NOT NULL,
  must_change_password BOOLEAN NOT NULL,
  created_at TIMESTAMP NOT NULL,
  password_changed_at TIMESTAMP NOT NULL
);

CREATE TABLE user_sessions (
  token_hash TEXT NOT NULL PRIMARY KEY,
  user_id BIGINT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL
);

-- Failed sign-ins, for slowing down password guessing: a few per address in a quarter of an hour.
CREATE TABLE sign_in_failures (
  email TEXT NOT NULL,
  failed_at TIMESTAMP NOT NULL
);
