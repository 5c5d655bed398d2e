// The part of janode (Meetecho's Node client for Janus, plain JavaScript without types) this
// server uses: a WebSocket connection to Janus' API, a session on it that janode keeps alive, and
// handles on the videoroom plugin that make, check and destroy rooms and kick from them.

declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface JanodeHandle extends EventEmitter {
    detach(): Promise<void>;
  }

  export interface JanodeSession extends EventEmitter {
    attach<Handle extends JanodeHandle>(plugin: { id: string; Handle: new (...args: never[]) => Handle }): Promise<Handle>;
    destroy(): Promise<void>;
  }

  export interface JanodeConnection extends EventEmitter {
    create(keepaliveSeconds?: number): Promise<JanodeSession>;
    close(): Promise<void>;
  }

  interface Janode {
    connect(config: { is_admin?: boolean; address: { url: string; apisecret?: string }; retry_time_secs?: number; max_retries?: number }): Promise<JanodeConnection>;
    Logger: { setLevel(level: 'none' | 'error' | 'warning' | 'info' | 'verbose' | 'debug'): void };
    EVENT: { CONNECTION_CLOSED: string; CONNECTION_ERROR: string; SESSION_DESTROYED: string };
  }

  const janode: Janode;
  export default janode;
}

declare module 'janode/plugins/videoroom' {
  import type { JanodeHandle } from 'janode';

  type Room = number | string;

  export interface VideoRoomHandle extends JanodeHandle {
    create(params: {
      room: Room;
      description?: string;
      max_publishers?: number;
      permanent?: boolean;
      is_private?: boolean;
      secret?: string;
      pin?: string;
      bitrate?: number;
      bitrate_cap?: boolean;
      audiocodec?: string;
      videocodec?: string;
    }): Promise<{ room: Room; permanent: boolean }>;
    exists(params: { room: Room }): Promise<{ room: Room; exists: boolean }>;
    destroy(params: { room: Room; secret?: string; permanent?: boolean }): Promise<{ room: Room; permanent: boolean }>;
    kick(params: { room: Room; feed: Room; secret?: string }): Promise<{ room: Room; feed: Room }>;
    joinPublisher(params: { room: Room; feed?: Room; display?: string; pin?: string }): Promise<{ room: Room; feed: Room }>;
    joinConfigurePublisher(params: { room: Room; feed?: Room; display?: string; pin?: string; jsep: RTCSessionDescriptionInit }): Promise<{ room: Room; feed: Room; jsep?: RTCSessionDescriptionInit }>;
    /** A publisher's new description, or a subscriber's choices per stream (its simulcast layer). */
    configure(params: { jsep?: RTCSessionDescriptionInit; restart?: boolean; update?: boolean; streams?: Array<{ mid: string; substream?: number }> }): Promise<{ jsep?: RTCSessionDescriptionInit }>;
    joinSubscriber(params: { room: Room; pin?: string; streams: Array<{ feed: Room; mid?: string }>; autoupdate?: boolean }): Promise<{ room: Room; jsep?: RTCSessionDescriptionInit; streams?: unknown[] }>;
    update(params: { subscribe?: Array<{ feed: Room }>; unsubscribe?: Array<{ feed: Room }> }): Promise<{ jsep?: RTCSessionDescriptionInit; streams?: unknown[] }>;
    start(params: { jsep: RTCSessionDescriptionInit }): Promise<unknown>;
    trickle(candidate: RTCIceCandidateInit): Promise<void>;
    trickleComplete(): Promise<void>;
    listParticipants(params: { room: Room; secret?: string }): Promise<{ room: Room; participants: Array<{ feed: Room; display?: string; publisher: boolean }> }>;
  }

  const plugin: { id: string; Handle: new (...args: never[]) => VideoRoomHandle; EVENT: { VIDEOROOM_LEAVING: string; VIDEOROOM_DESTROYED: string } };
  export default plugin;
}
