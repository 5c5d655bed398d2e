import bcrypt from 'bcryptjs';

const COST = 12;
// Compared against when the email is unknown, so a wrong email costs as long as a wrong password.
const DECOY_HASH = '$2b$12$8a28mSJJgd6jr2z3s95k8OpLo9zh6mKk01plaofeqwI6fo8znaXZ2';

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export async function verifyPassword(password: string, hash: string | undefined): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? DECOY_HASH);
  return hash !== undefined && matches;
}
