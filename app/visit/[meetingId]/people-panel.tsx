'use client';

import { useCallback, useEffect, useId, useState } from 'react';
import { usePatientText } from '@/components/patient/language';
import type { MeetingView } from '@/lib/visit/meeting-view';
import { GUEST_LANGUAGE_MAX, GUEST_NAME_MAX, guestInviteSchema, type PendingInvite } from '@/lib/visit/guest-schema';
import { GUEST_ROLES, type GuestRole } from '@/lib/visit/schema';
import { lightButton } from './call-styles';
import { kindOf } from './person-kind';
import { useKeptFocus } from './use-kept-focus';

type Post = (path: string, body: unknown) => Promise<Response>;

/**
 * Who is in the call, and what each is (everyone sees this). A provider also removes anyone who is
 * not a provider from here, and invites guests: a name, a role, and for an interpreter a language,
 * for a one-time guest link; links nobody has opened yet can be revoked.
 */
export function PeoplePanel({ meetingId, view, post, onClose }: { meetingId: string; view: MeetingView; post: Post; onClose(): void }) {
  const t = usePatientText().text.visit;
  const isProvider = view.me.userType === 'Provider';
  const people = [view.me, ...view.peers];
  const list = useKeptFocus<HTMLUListElement>(people.map((person) => person.participantId));
  const [invites, setInvites] = useState<PendingInvite[]>([]);
  const loadInvites = useCallback(async () => {
    if (!isProvider) return;
    const response = await fetch(`/api/visits/${meetingId}/guests`, { cache: 'no-store' }).catch(() => null);
    if (response?.ok) setInvites(((await response.json()) as { invites: PendingInvite[] }).invites);
  }, [isProvider, meetingId]);
  // Invitations change when a guest opens one: the list follows the visit's changes.
  const peopleKey = people.map((person) => person.participantId).join(',') + view.waiting.map((person) => person.participantId).join(',');
  useEffect(() => {
    void loadInvites();
  }, [loadInvites, peopleKey]);

  return (
    <section aria-label={t.people} className="surface-light flex max-h-[60dvh] flex-col overflow-y-auto border-t border-slate-700 bg-white text-slate-900 sm:max-h-none sm:w-80 sm:shrink-0 sm:border-l sm:border-t-0">
      <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2">
        <h2 className="font-semibold">{t.people}</h2>
        <button type="button" className="min-h-11 rounded px-3 text-sm font-medium text-blue-800 underline" onClick={onClose}>
          {t.close}
        </button>
      </div>
      <h3 className="px-3 pt-2 text-sm font-semibold">{t.peopleInCall}</h3>
      <ul ref={list.container} tabIndex={-1} className="space-y-1 px-3 py-2 outline-none" data-testid="people-in-call">
        {people.map((person) => (
          <li key={person.participantId} className="flex flex-wrap items-center gap-2">
            <span className="min-w-0 flex-1">
              <span className="font-medium">{person.participantId === view.me.participantId ? t.you(person.name) : person.name}</span>
              <span className="block text-sm text-slate-700">{kindOf(t, person)}</span>
            </span>
            {isProvider && person.userType !== 'Provider' ? (
              <button
                type="button"
                data-keep-focus
                className={lightButton}
                onClick={() => {
                  if (!window.confirm(t.removeConfirm(person.name))) return;
                  list.leavingItem(person.participantId);
                  void post('actions', { action: 'remove', participantId: person.participantId });
                }}
              >
                {t.remove(person.name)}
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {isProvider ? (
        <>
          {invites.length ? (
            <>
              <h3 className="px-3 pt-2 text-sm font-semibold">{t.invitedNotJoined}</h3>
              <ul className="space-y-1 px-3 py-2" data-testid="pending-invites">
                {invites.map((invite) => (
                  <li key={invite.inviteId} className="flex flex-wrap items-center gap-2">
                    <span className="min-w-0 flex-1">
                      <span className="font-medium">{invite.name}</span>
                      <span className="block text-sm text-slate-700">{kindOf(t, { userType: 'Guest', role: invite.role, language: invite.language })}</span>
                    </span>
                    <button
                      type="button"
                      className={lightButton}
                      onClick={() => void fetch(`/api/visits/${meetingId}/guests/${invite.inviteId}`, { method: 'DELETE' }).then(loadInvites)}
                    >
                      {t.revoke(invite.name)}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <InviteGuest post={post} onInvited={loadInvites} />
        </>
      ) : null}
    </section>
  );
}

function InviteGuest({ post, onInvited }: { post: Post; onInvited(): void }) {
  const t = usePatientText().text.visit;
  const { language: pageLanguage } = usePatientText();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState<GuestRole>('interpreter');
  const [language, setLanguage] = useState('');
  const [errors, setErrors] = useState<Partial<Record<'name' | 'role' | 'language' | 'form', string>>>({});
  const [link, setLink] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);

  if (!open) {
    return (
      <div className="border-t border-slate-200 px-3 py-3">
        <button type="button" className={lightButton} onClick={() => setOpen(true)}>
          {t.inviteSomeone}
        </button>
      </div>
    );
  }

  const submit = async () => {
    const parsed = guestInviteSchema.safeParse({ name, role, language: role === 'interpreter' ? language : undefined });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((issue) => [String(issue.path[0] ?? 'form'), issue.message])));
      return;
    }
    setErrors({});
    const response = await post('guests', parsed.data).catch(() => null);
    if (!response?.ok) {
      const answer = (await response?.json().catch(() => ({}))) as { message?: string } | undefined;
      setErrors({ form: answer?.message ?? t.inviteFailed });
      return;
    }
    setLink(((await response.json()) as { link: string }).link);
    setCopied(false);
    onInvited();
  };

  return (
    <form
      className="space-y-3 border-t border-slate-200 px-3 py-3"
      aria-labelledby={`${id}-title`}
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3 id={`${id}-title`} className="text-sm font-semibold">
        {t.inviteTitle}
      </h3>
      <p className="text-sm text-slate-700">{t.inviteHelp}</p>
      <Field id={`${id}-name`} label={t.guestName} error={errors.name}>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={GUEST_NAME_MAX}
          autoComplete="off"
          aria-invalid={Boolean(errors.name)}
          aria-describedby={errors.name ? `${id}-name-error` : undefined}
          onChange={(event) => setName(event.target.value)}
          className="w-full rounded border border-slate-500 px-2 py-1.5"
        />
      </Field>
      <Field id={`${id}-role`} label={t.guestRole} error={errors.role}>
        <select id={`${id}-role`} value={role} onChange={(event) => setRole(event.target.value as GuestRole)} className="w-full rounded border border-slate-500 bg-white px-2 py-1.5">
          {GUEST_ROLES.map((option) => (
            <option key={option} value={option}>
              {t.kinds[option]}
            </option>
          ))}
        </select>
      </Field>
      {role === 'interpreter' ? (
        <Field id={`${id}-language`} label={t.guestLanguage} error={errors.language}>
          <input
            id={`${id}-language`}
            value={language}
            maxLength={GUEST_LANGUAGE_MAX}
            lang={pageLanguage}
            aria-invalid={Boolean(errors.language)}
            aria-describedby={errors.language ? `${id}-language-error` : undefined}
            onChange={(event) => setLanguage(event.target.value)}
            className="w-full rounded border border-slate-500 px-2 py-1.5"
          />
        </Field>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="inline-flex min-h-11 items-center rounded-md bg-blue-700 px-3 text-sm font-semibold text-white hover:bg-blue-800">
          {t.createGuestLink}
        </button>
        <button type="button" className={lightButton} onClick={() => setOpen(false)}>
          {t.cancel}
        </button>
      </div>
      <p role="alert" className="text-sm text-red-800">
        {errors.form ?? ''}
      </p>
      {link ? (
        <div className="space-y-1">
          <label htmlFor={`${id}-link`} className="block text-sm font-medium">
            {t.guestLink}
          </label>
          <div className="flex gap-2">
            <input id={`${id}-link`} readOnly value={link} className="min-w-0 flex-1 rounded border border-slate-500 bg-slate-50 px-2 py-1.5 text-sm" onFocus={(event) => event.target.select()} />
            <button
              type="button"
              className={lightButton}
              onClick={() => void navigator.clipboard?.writeText(link).then(() => setCopied(true), () => setCopied(false))}
            >
              {copied ? t.copied : t.copyLink}
            </button>
          </div>
          <p className="text-sm text-slate-700">{t.guestLinkHelp}</p>
        </div>
      ) : null}
    </form>
  );
}

function Field({ id, label, error, children }: { id: string; label: string; error?: string; children: React.ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <div className="mt-1">{children}</div>
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-800">
          {error}
        </p>
      ) : null}
    </div>
  );
}
