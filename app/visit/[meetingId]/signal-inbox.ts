import type { SignalPayload } from './peer-mesh';

// Lives with the page, not with the call: the call's code loads when the person is let in, and the
// signals that come before it (the offer can come in the same push as the state that lets them in)
// wait here.

/** What takes the signals: the mesh, or a call through the media server (its server's notices). */
export interface SignalTarget {
  handleSignal(fromParticipant: string, fromConnection: string, payload: SignalPayload): unknown;
}

interface Signal {
  fromParticipant: string;
  fromConnection: string;
  payload: SignalPayload;
}

/**
 * Signals from the push stream, held until the mesh exists (the offer can come in the same push as
 * the state that lets us in) and handed to it in order.
 */
export class SignalInbox {
  private mesh: SignalTarget | null = null;
  private readonly held: Signal[] = [];

  readonly push = (fromParticipant: string, fromConnection: string, payload: SignalPayload): void => {
    if (this.mesh) void this.mesh.handleSignal(fromParticipant, fromConnection, payload);
    else if (this.held.length < 500) this.held.push({ fromParticipant, fromConnection, payload });
  };

  attach(mesh: SignalTarget | null): void {
    this.mesh = mesh;
    if (!mesh) return;
    for (const signal of this.held.splice(0)) void mesh.handleSignal(signal.fromParticipant, signal.fromConnection, signal.payload);
  }
}
