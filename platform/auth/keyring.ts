// The keys one server accepts, looked up in constant time: the presented key is hashed and its
// digest compared with every known digest by crypto.timingSafeEqual (equal lengths, so no
// early exit), so neither the answer time nor the position of a match leaks the key.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { KeySpec } from './keys-file.js';

export class KeyRing {
  private readonly digests: Buffer[];

  constructor(readonly keys: readonly KeySpec[]) {
    this.digests = keys.map((k) => Buffer.from(k.sha256, 'hex'));
  }

  /** False when no key is configured: the server is open, as before keys existed. */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  find(presented: string): KeySpec | undefined {
    const d = createHash('sha256').update(presented).digest();
    let found = -1;
    for (let i = 0; i < this.digests.length; i++) {
      // Every digest is compared even after a match, so the time does not depend on where it is.
      if (timingSafeEqual(this.digests[i]!, d) && found === -1) found = i;
    }
    return found === -1 ? undefined : this.keys[found];
  }
}
