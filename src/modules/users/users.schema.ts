import { z } from 'zod';

export const ROLES = ['admin', 'analyst'] as const;
export const RoleSchema = z.enum(ROLES, { error: 'must be admin (changes things) or analyst (reads)' });
export type Role = z.infer<typeof RoleSchema>;

const EmailSchema = z
  .string({ error: 'is missing: sign in with your email address' })
  .trim()
  .toLowerCase()
  .pipe(z.email('must be an email address, e.g. ana@example.com'));

/** At least 12 characters: long enough to resist guessing, short enough to type. */
const NewPasswordSchema = z
  .string({ error: 'is missing' })
  .min(12, 'must be at least 12 characters')
  .max(200, 'must be at most 200 characters');

export const SignInSchema = z.strictObject({
  email: EmailSchema,
  password: z.string({ error: 'is missing' }).min(1, 'is missing').max(200),
});

export const UserSchema = z.object({
  userId: z.number(),
  email: z.string(),
  role: RoleSchema,
  /** A password handed out by Agora (the first admin's, a new user's) should be replaced at first sign-in. */
  mustChangePassword: z.boolean(),
  createdAt: z.date(),
});
export type User = z.infer<typeof UserSchema>;

export const SessionSchema = z.object({
  user: UserSchema,
  /** Send it back as `X-CSRF-Token` with every request that changes something. */
  csrfToken: z.string(),
  expiresAt: z.date(),
});
export type Session = z.infer<typeof SessionSchema>;

export const ChangePasswordSchema = z.strictObject({
  currentPassword: z.string({ error: 'is missing' }).min(1, 'is missing'),
  newPassword: NewPasswordSchema,
});

export const CreateUserSchema = z.strictObject({ email: EmailSchema, role: RoleSchema.default('analyst') });

/** A user just created: the password is shown this once. */
export const CreatedUserSchema = z.object({ user: UserSchema, password: z.string() });
export type CreatedUser = z.infer<typeof CreatedUserSchema>;
