'use client';

import { signOut } from 'next-auth/react';
import { secondaryButtonClass } from '@/components/field';

export function SignOutButton() {
  return (
    <button type="button" className={secondaryButtonClass} onClick={() => signOut({ callbackUrl: '/login' })}>
      Sign out
    </button>
  );
}
