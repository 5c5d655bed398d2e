'use client';

import { usePatientText } from '@/components/patient/language';
import type { MeetingView } from '@/lib/visit/meeting-view';
import { admitButton, lightButton } from './call-styles';
import { kindOf } from './person-kind';
import type { ChimeState } from './use-waiting-chime';
import { useKeptFocus } from './use-kept-focus';

type Post = (path: string, body: unknown) => Promise<Response>;

/**
 * The provider's waiting room: who waits to be let in (never missable: at the top, with a chime and
 * the count in the tab's title), and who was removed and can be let back in.
 */
export function WaitingBanner({ view, chime, post }: { view: MeetingView; chime: ChimeState; post: Post }) {
  const t = usePatientText().text.visit;
  const waiting = useKeptFocus<HTMLUListElement>(view.waiting.map((person) => person.participantId));
  const removed = useKeptFocus<HTMLUListElement>(view.removed.map((person) => person.participantId));
  if (view.waiting.length === 0 && view.removed.length === 0) return null;
  return (
    <section aria-label={t.waitingRoom} className="surface-light bg-amber-100 px-3 py-2 text-slate-900">
      {view.waiting.length ? <h2 className="font-semibold">{t.waitingCount(view.waiting.length)}</h2> : null}
      <ul ref={waiting.container} tabIndex={-1} className="mt-1 space-y-2 outline-none">
        {view.waiting.map((person) => (
          <li key={person.participantId} className="flex flex-wrap items-center gap-2">
            <span className="font-medium">{t.isWaiting(person.name)}</span>
            <span className="text-sm text-slate-800">({kindOf(t, person)})</span>
            <button
              type="button"
              data-keep-focus
              className={admitButton}
              onClick={() => {
                waiting.leavingItem(person.participantId);
                void post('actions', { action: 'admit', participantId: person.participantId });
              }}
            >
              {t.admit(person.name)}
            </button>
            <button
              type="button"
              className={lightButton}
              onClick={() => {
                if (!window.confirm(t.removeConfirm(person.name))) return;
                waiting.leavingItem(person.participantId);
                void post('actions', { action: 'remove', participantId: person.participantId });
              }}
            >
              {t.remove(person.name)}
            </button>
          </li>
        ))}
      </ul>
      {view.removed.length ? (
        <div className="mt-2">
          <h2 className="text-sm font-semibold">{t.removedList}</h2>
          <ul ref={removed.container} tabIndex={-1} className="mt-1 space-y-2 outline-none">
            {view.removed.map((person) => (
              <li key={person.participantId} className="flex flex-wrap items-center gap-2">
                <span>{person.name}</span>
                <span className="text-sm text-slate-800">({kindOf(t, person)})</span>
                <button
                  type="button"
                  data-keep-focus
                  className={lightButton}
                  onClick={() => {
                    removed.leavingItem(person.participantId);
                    void post('actions', { action: 'readmit', participantId: person.participantId });
                  }}
                >
                  {t.letBackIn(person.name)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {view.waiting.length && chime !== 'on' ? <p className="mt-2 text-sm">{t.chimeBlocked}</p> : null}
    </section>
  );
}
