import { z } from 'zod';

// What browsers may send about a visit; parsed by the route handlers.
const id = z.uuid('Not a valid ID');

export const signalRequestSchema = z.object({
  /** The sender's connection as the sender knows it: a signal from a closed connection is stale. */
  from: id,
  to: id,
  // An SDP description or an ICE candidate, relayed as it is; bounded so a row stays small.
  payload: z.record(z.string(), z.unknown()).refine((payload) => JSON.stringify(payload).length <= 64_000, 'Signal too large'),
});

export const visitActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('admit'), participantId: id }),
  z.object({ action: z.literal('remove'), participantId: id }),
  z.object({ action: z.literal('end') }),
  z.object({ action: z.literal('leave'), connectionId: id }),
]);

export type VisitAction = z.infer<typeof visitActionSchema>;
