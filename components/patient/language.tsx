'use client';

import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE, PATIENT_TEXT, type Language, type PatientText } from '@/lib/i18n/patient-text';

// The patient pages' language: chosen by the server from the cookie or the browser
// (lib/i18n/request-language.ts), switchable on the page, remembered in the cookie.

interface LanguageState {
  language: Language;
  text: PatientText;
  choose(language: Language): void;
}

const LanguageContext = createContext<LanguageState | null>(null);

export function LanguageProvider({ initial, children }: { initial: Language; children: ReactNode }) {
  const [language, setLanguage] = useState<Language>(initial);
  const choose = useCallback((next: Language) => {
    document.cookie = `${LANGUAGE_COOKIE}=${next}; Path=/; Max-Age=${LANGUAGE_COOKIE_MAX_AGE}; SameSite=Lax`;
    setLanguage(next);
  }, []);
  const state = useMemo(() => ({ language, text: PATIENT_TEXT[language], choose }), [language, choose]);
  return (
    <LanguageContext.Provider value={state}>
      <div lang={language} className="contents">
        {children}
      </div>
    </LanguageContext.Provider>
  );
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
