'use client';

import type { ReactNode } from 'react';
import { usePatientText } from '@/components/patient/language';
import { controlButton, dangerButton } from './call-styles';
import { DevicePicker } from './device-picker';
import type { LocalMedia } from './use-local-media';

// The call's controls, in one row on a phone: each is an icon there, with its words for screen
// readers (and shown beside the icon on a wider screen). Each person sees only what they may do.

export interface ControlsState {
  micOn: boolean;
  cameraOn: boolean;
  sharing: boolean;
  canShare: boolean;
  chatAllowed: boolean;
  chatOpen: boolean;
  unreadChat: number;
  peopleOpen: boolean;
  isProvider: boolean;
}

export interface ControlsActions {
  toggleMic(): void;
  toggleCamera(): void;
  toggleShare(): void;
  toggleChat(): void;
  togglePeople(): void;
  leave(): void;
  end(): void;
}

export function CallControls({ state, actions, media }: { state: ControlsState; actions: ControlsActions; media: LocalMedia }) {
  const t = usePatientText().text.visit;
  return (
    <div className="flex flex-nowrap items-center justify-center gap-1 overflow-x-auto border-t border-slate-700 px-1 py-2 sm:flex-wrap sm:gap-2 sm:p-2" role="group" aria-label={t.callControls}>
      <Control label={state.micOn ? t.muteMicrophone : t.unmuteMicrophone} pressed={!state.micOn} disabled={!media.stream} onClick={actions.toggleMic} icon={state.micOn ? <MicIcon /> : <MicOffIcon />} />
      <Control label={state.cameraOn ? t.cameraOffButton : t.cameraOnButton} pressed={!state.cameraOn} disabled={!media.stream} onClick={actions.toggleCamera} icon={state.cameraOn ? <CameraIcon /> : <CameraOffIcon />} />
      <DevicePicker media={media} />
      {state.canShare ? <Control label={state.sharing ? t.stopSharing : t.shareScreen} pressed={state.sharing} onClick={actions.toggleShare} icon={<ScreenIcon />} /> : null}
      {state.chatAllowed ? (
        <Control
          label={state.unreadChat && !state.chatOpen ? t.chatUnread(state.unreadChat) : t.chat}
          expanded={state.chatOpen}
          onClick={actions.toggleChat}
          icon={<ChatIcon />}
          badge={state.unreadChat && !state.chatOpen ? state.unreadChat : 0}
        />
      ) : null}
      <Control label={t.people} expanded={state.peopleOpen} onClick={actions.togglePeople} icon={<PeopleIcon />} />
      <button type="button" className={dangerButton} onClick={actions.leave}>
        <LeaveIcon />
        <Words>{t.leave}</Words>
      </button>
      {state.isProvider ? (
        <button type="button" className={dangerButton} onClick={actions.end}>
          <EndIcon />
          <Words>{t.endForEveryone}</Words>
        </button>
      ) : null}
    </div>
  );
}

function Control({ label, icon, onClick, pressed, expanded, disabled, badge = 0 }: { label: string; icon: ReactNode; onClick(): void; pressed?: boolean; expanded?: boolean; disabled?: boolean; badge?: number }) {
  return (
    <button type="button" className={`${controlButton} relative`} aria-pressed={pressed} aria-expanded={expanded} disabled={disabled} onClick={onClick}>
      {icon}
      <Words>{label}</Words>
      {badge ? (
        <span aria-hidden="true" className="absolute -right-1 -top-1 rounded-full bg-amber-400 px-1.5 text-xs font-bold text-slate-900 sm:hidden">
          {badge}
        </span>
      ) : null}
    </button>
  );
}

/** A control's words: read out everywhere, shown beside its icon from a tablet's width up. */
export function Words({ children }: { children: ReactNode }) {
  return <span className="sr-only sm:not-sr-only">{children}</span>;
}

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" className="shrink-0">
      {children}
    </svg>
  );
}

const MicIcon = () => (
  <Icon>
    <rect x="9" y="2" width="6" height="12" rx="3" />
    <path d="M5 10v2a7 7 0 0 0 14 0v-2M12 19v4M8 23h8" />
  </Icon>
);
const MicOffIcon = () => (
  <Icon>
    <path d="M9 9v3a3 3 0 0 0 5.12 2.12M15 9.34V5a3 3 0 0 0-5.94-.6M17 16.95A7 7 0 0 1 5 12v-2m14 0v2a7 7 0 0 1-.11 1.23M12 19v4M8 23h8" />
    <path d="M1 1l22 22" />
  </Icon>
);
const CameraIcon = () => (
  <Icon>
    <rect x="1" y="5" width="15" height="14" rx="2" />
    <path d="M23 7l-7 5 7 5z" />
  </Icon>
);
const CameraOffIcon = () => (
  <Icon>
    <path d="M16 16v1a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h2m5 0h4a2 2 0 0 1 2 2v3.34l1 1L23 7v10" />
    <path d="M1 1l22 22" />
  </Icon>
);
const ScreenIcon = () => (
  <Icon>
    <rect x="2" y="3" width="20" height="14" rx="2" />
    <path d="M8 21h8M12 17v4" />
  </Icon>
);
const ChatIcon = () => (
  <Icon>
    <path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />
  </Icon>
);
const PeopleIcon = () => (
  <Icon>
    <path d="M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2" />
    <circle cx="9" cy="7" r="4" />
    <path d="M23 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75" />
  </Icon>
);
const LeaveIcon = () => (
  <Icon>
    <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9" />
  </Icon>
);
const EndIcon = () => (
  <Icon>
    <circle cx="12" cy="12" r="10" />
    <path d="M15 9l-6 6M9 9l6 6" />
  </Icon>
);
