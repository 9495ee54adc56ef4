// TLS session ticket keys for every listener that terminates TLS. A resumed handshake skips the
// server's certificate signature (the expensive part when the key sits in a PKCS#11 token), so
// clients should be able to resume on any listener and, with `--concurrency`, on any worker: one
// set of keys per proxy, made by the primary and shared with its workers. Keys rotate (Envoy
// leaves rotation to the operator; we rotate hourly) so a stolen key opens at most an hour of
// sessions; Node holds one key, so tickets older than the last rotation fall back to a full handshake.
import { randomBytes } from 'node:crypto';

/** 16 bytes key name, 16 bytes HMAC secret, 16 bytes AES key: what tls.Server#setTicketKeys takes. */
export const TICKET_KEY_BYTES = 48;
export const TICKET_ROTATION_MS = 60 * 60 * 1000;

type Listener = (keys: Buffer) => void;

class TicketKeys {
  private keys: Buffer = randomBytes(TICKET_KEY_BYTES);
  /** Bumped on every change, so a TLS server can tell cheaply whether its keys are current. */
  version = 0;
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;

  get current(): Buffer {
    return this.keys;
  }

  /** Replaces the keys (a rotation here, or the primary's keys arriving in a worker). */
  set(keys: Buffer): void {
    if (keys.length !== TICKET_KEY_BYTES) throw new Error(`session ticket keys must be ${TICKET_KEY_BYTES} bytes, not ${keys.length}`);
    this.keys = Buffer.from(keys);
    this.version++;
    for (const l of [...this.listeners]) l(this.keys);
  }

  /** Calls `onChange` with the new keys after each change; returns the function that stops it. */
  watch(onChange: Listener): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }

  /** Rotates every `everyMs` (the timer does not keep the process alive). Workers don't: they follow the primary. */
  startRotation(everyMs = TICKET_ROTATION_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.set(randomBytes(TICKET_KEY_BYTES)), everyMs);
    this.timer.unref();
  }
}

/** The process's ticket keys. */
export const ticketKeys = new TicketKeys();
