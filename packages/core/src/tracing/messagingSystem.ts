/**
 * The `messaging.system` value for a transport kind: `nats` for NATS (the system is NATS
 * itself); `hopbus.<kind>` for hopbus's own transports (`hopbus.log`, `hopbus.memory`).
 */
export function messagingSystem(transportKind: string): string {
  return transportKind === 'nats' ? 'nats' : `hopbus.${transportKind}`;
}
