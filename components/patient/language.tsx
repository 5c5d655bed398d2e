'use client';

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE, type Language } from '@/lib/i18n/language';
import type { PatientText } from '@/lib/i18n/patient-text-en';

// The patient pages' language: chosen by the server from the cookie or the browser
// (lib/i18n/request-language.ts, components/patient/patient-language.tsx), switchable on the page,
// remembered in the cookie. A page carries the words of its own language only; the other's are
// loaded when the patient switches (a phone on a slow network does not pay for both).

interface LanguageState {
  language: Language;
  text: PatientText;
  choose(language: Language): void;
}

const LanguageContext = createContext<LanguageState | null>(null);

export function LanguageProvider({ initial, initialText, children }: { initial: Language; initialText: PatientText; children: ReactNode }) {
  const [shown, setShown] = useState({ language: initial, text: initialText });
  const choose = useCallback((next: Language) => {
    document.cookie = `${LANGUAGE_COOKIE}=${next}; Path=/; Max-Age=${LANGUAGE_COOKIE_MAX_AGE}; SameSite=Lax`;
    void wordsOf(next).then(
      (text) => setShown({ language: next, text }),
      // Offline for a moment: the cookie is set, so the next page opens in the chosen language.
      () => undefined,
    );
  }, []);
  const { language, text } = shown;
  const state = useMemo(() => ({ language, text, choose }), [language, text, choose]);
  return (
    <LanguageContext.Provider value={state}>
      <div lang={language} className="contents">
        {children}
      </div>
    </LanguageContext.Provider>
  );
}

function wordsOf(language: Language): Promise<PatientText> {
  return language === 'es' ? import('@/lib/i18n/patient-text-es').then((module) => module.es) : import('@/lib/i18n/patient-text-en').then((module) => module.en);
}

export function usePatientText(): LanguageState {
  const state = useContext(LanguageContext);
  if (!state) throw new Error('usePatientText needs a LanguageProvider');
  return state;
}

/** A button in the other language that switches the page to it. */
export function LanguageSwitch({ className = '' }: { className?: string }) {
  const { language, text, choose } = usePatientText();
  const other: Language = language === 'en' ? 'es' : 'en';
  return (
    <button
      type="button"
      lang={other}
      aria-label={text.switchLanguageLabel}
      data-testid="language-switch"
      className={`rounded-md px-3 py-2 text-sm font-medium text-blue-800 underline underline-offset-2 hover:bg-blue-50 ${className}`}
      onClick={() => choose(other)}
    >
      {text.switchLanguage}
    </button>
  );
}
