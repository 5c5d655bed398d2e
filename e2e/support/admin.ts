import type { Page } from '@playwright/test';

export const OWNER = { email: 'owner@hospital.example', password: 'correct horse battery staple' };

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}
