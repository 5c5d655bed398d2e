'use client';

import { useEffect, useState } from 'react';
import { usePatientText } from '@/components/patient/language';
import type { PeerView } from '@/lib/visit/meeting-view';
import type { CallMedia } from './use-call';
import { RemoteAudio, RemoteTile, SharedScreen } from './tiles';

// Where the others are shown. A shared screen takes the room, with the cameras in a strip beside
// it. Otherwise, on a wide screen, a grid of equal tiles; on a phone, the person speaking large
// and everyone else in a strip below (four equal tiles on a phone are too small to read a face).

export function CallStage(props: { peers: PeerView[]; media: CallMedia; speakerId: string; speaking: string | null; emptyText: string }) {
  return (
    <>
      {/* Voices first, in one place that does not change with the layout. */}
      <div hidden>
        {props.peers.map((peer) => (
          <RemoteAudio key={peer.participantId} stream={props.media.remoteStreams.get(peer.participantId) ?? null} speakerId={props.speakerId} />
        ))}
      </div>
      <Tiles {...props} />
    </>
  );
}

function Tiles({ peers, media, speaking, emptyText }: { peers: PeerView[]; media: CallMedia; speaking: string | null; emptyText: string }) {
  const t = usePatientText().text.visit;
  const wide = useWideScreen();
  if (peers.length === 0) return <p className="flex h-full items-center justify-center p-4 text-center text-slate-300">{emptyText}</p>;

  const tile = (peer: PeerView, size: 'grid' | 'strip' = 'grid') => (
    <RemoteTile
      key={peer.participantId}
      peer={peer}
      stream={media.remoteStreams.get(peer.participantId) ?? null}
      report={media.reports.get(peer.participantId)}
      speaking={speaking === peer.participantId && peers.length > 1}
      size={size}
    />
  );

  const sharer = peers.find((peer) => peer.sharing && media.remoteScreens.has(peer.participantId));
  if (sharer) {
    return (
      <div className="flex h-full flex-col gap-2 sm:flex-row">
        <SharedScreen stream={media.remoteScreens.get(sharer.participantId)!} label={t.screenOf(sharer.name)} />
        <Strip vertical={wide}>{peers.map((peer) => tile(peer, 'strip'))}</Strip>
      </div>
    );
  }
  if (!wide && peers.length > 1) {
    const main = peers.find((peer) => peer.participantId === speaking) ?? peers[0]!;
    return (
      <div className="flex h-full flex-col gap-2">
        <div className="flex min-h-0 flex-1">{tile(main)}</div>
        <Strip vertical={false}>{peers.filter((peer) => peer !== main).map((peer) => tile(peer, 'strip'))}</Strip>
      </div>
    );
  }
  return (
    <div className="grid h-full gap-2" style={gridOf(peers.length)} data-testid="call-grid">
      {peers.map((peer) => tile(peer))}
    </div>
  );
}

function Strip({ vertical, children }: { vertical: boolean; children: React.ReactNode }) {
  const t = usePatientText().text.visit;
  // It scrolls when there are more than fit: reachable by keyboard, and named.
  return (
    <div
      tabIndex={0}
      role="group"
      aria-label={t.othersInCall}
      className={vertical ? 'flex w-56 shrink-0 flex-col gap-2 overflow-y-auto' : 'flex h-24 shrink-0 gap-2 overflow-x-auto'}
      data-testid="tile-strip"
    >
      {children}
    </div>
  );
}

/** As square a grid as the count allows: 2 side by side, 4 as 2x2, up to 12 as 4x3. */
function gridOf(count: number): React.CSSProperties {
  const columns = count <= 1 ? 1 : count <= 4 ? 2 : count <= 9 ? 3 : 4;
  const rows = Math.ceil(count / columns);
  return { gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))` };
}

/** Wider than a phone (Tailwind's sm). Phones first: the server renders the phone layout. */
function useWideScreen(): boolean {
  const [wide, setWide] = useState(false);
  useEffect(() => {
    const query = window.matchMedia('(min-width: 640px)');
    const update = () => setWide(query.matches);
    update();
    query.addEventListener('change', update);
    return () => query.removeEventListener('change', update);
  }, []);
  return wide;
}
