// The call screen's buttons, in one place: every control is at least 44 px tall (a finger), and
// keeps its focus ring (globals.css gives the dark screen a light one).
export const primaryButton = 'mt-3 inline-flex min-h-11 items-center justify-center rounded-md bg-blue-700 px-4 py-2 text-sm font-semibold text-white hover:bg-blue-800';
export const controlButton =
  'inline-flex min-h-11 min-w-11 items-center justify-center gap-1.5 rounded-md border border-slate-500 bg-slate-800 px-2.5 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50 aria-pressed:bg-red-700 sm:px-3';
export const dangerButton = 'inline-flex min-h-11 min-w-11 items-center justify-center gap-1.5 rounded-md bg-red-700 px-2.5 py-2 text-sm font-semibold text-white hover:bg-red-800 sm:px-3';
export const admitButton = 'inline-flex min-h-11 items-center justify-center rounded-md bg-blue-700 px-3 py-2 text-sm font-semibold text-white hover:bg-blue-800';
export const lightButton = 'inline-flex min-h-11 items-center justify-center rounded-md border border-slate-500 bg-white px-3 py-2 text-sm font-medium text-slate-900 hover:bg-slate-100';
