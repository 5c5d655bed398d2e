'use client';

import { useEffect, useRef, useState } from 'react';
import { usePatientText } from '@/components/patient/language';
import { CHAT_MESSAGE_MAX_CHARS, chatRequestSchema } from '@/lib/visit/schema';
import type { ChatMessage } from '@/lib/visit/meeting-view';

/** What the person writes; the page adds its connection when it sends. */
const chatMessageSchema = chatRequestSchema.pick({ body: true });

/** The visit's chat: the messages so far, and a box to write one. Shown only in the call, when on. */
export function ChatPanel({ messages, myId, send, onClose }: { messages: ChatMessage[]; myId: string; send(body: string): Promise<Response>; onClose(): void }) {
  const t = usePatientText().text.visit;
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState('');
  const [sending, setSending] = useState(false);
  const list = useRef<HTMLOListElement | null>(null);
  const input = useRef<HTMLTextAreaElement | null>(null);

  useEffect(() => {
    list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [messages.length]);
  useEffect(() => input.current?.focus(), []);

  const submit = async () => {
    const parsed = chatMessageSchema.safeParse({ body: draft });
    if (!parsed.success) return setProblem(parsed.error.issues[0]?.message ?? t.chatRefused);
    setSending(true);
    try {
      const response = await send(parsed.data.body);
      if (response.ok) {
        setDraft('');
        setProblem('');
      } else {
        const answer = (await response.json().catch(() => ({}))) as { message?: string };
        setProblem(answer.message ?? t.chatRefused);
      }
    } catch {
      setProblem(t.chatRefused);
    } finally {
      setSending(false);
    }
  };

  return (
    <section aria-label={t.chat} className="surface-light flex max-h-[45dvh] flex-col border-t border-slate-700 bg-white text-slate-900 sm:max-h-none sm:w-80 sm:shrink-0 sm:border-l sm:border-t-0">
      <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2">
        <h2 className="font-semibold">{t.chat}</h2>
        <button type="button" className="min-h-11 rounded px-3 text-sm font-medium text-blue-800 underline" onClick={onClose}>
          {t.chatClose}
        </button>
      </div>
      <ol ref={list} className="min-h-0 flex-1 space-y-2 overflow-y-auto px-3 py-2" aria-live="polite" aria-relevant="additions" data-testid="chat-messages">
        {messages.length === 0 ? <li className="text-sm text-slate-700">{t.chatEmpty}</li> : null}
        {messages.map((message) => (
          <li key={message.id} className={message.from === myId ? 'text-right' : ''}>
            <p className="text-xs text-slate-700">{t.chatFrom(message.from === myId ? t.you(message.name) : message.name, clock(message.at))}</p>
            <p className={`inline-block max-w-full whitespace-pre-wrap break-words rounded-lg px-3 py-1.5 text-left ${message.from === myId ? 'bg-blue-700 text-white' : 'bg-slate-100'}`}>{message.body}</p>
          </li>
        ))}
      </ol>
      <form
        className="flex items-end gap-2 border-t border-slate-200 p-2"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div className="min-w-0 flex-1">
          <label htmlFor="chat-message" className="sr-only">
            {t.chatMessage}
          </label>
          <textarea
            ref={input}
            id="chat-message"
            rows={2}
            maxLength={CHAT_MESSAGE_MAX_CHARS}
            value={draft}
            aria-invalid={Boolean(problem)}
            aria-describedby={problem ? 'chat-problem' : undefined}
            placeholder={t.chatMessage}
            className="w-full resize-none rounded border border-slate-500 px-2 py-1.5 text-sm"
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={(event) => {
              // Enter sends; Shift+Enter is a new line.
              if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                void submit();
              }
            }}
          />
          {problem ? (
            <p id="chat-problem" role="alert" className="text-sm text-red-800">
              {problem}
            </p>
          ) : null}
        </div>
        <button type="submit" disabled={sending} className="inline-flex min-h-11 items-center rounded-md bg-blue-700 px-3 text-sm font-semibold text-white hover:bg-blue-800 disabled:opacity-50">
          {t.chatSend}
        </button>
      </form>
    </section>
  );
}

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}
