// Token vocabulary of the session model. Four reserved tokens come first:
//   PAD (0, unused by the loss, kept for masking-friendly layouts), START (1: the left padding of
//   the first windows, so the model learns how sessions begin), END (2: the target after a
//   session's last event, so "the session ends here" is predicted like any event) and UNK (3:
//   an event id never seen in training; never a training target, always a reason to flag).
export const PAD = 0;
export const START = 1;
export const END = 2;
export const UNK = 3;
export const RESERVED = ['<pad>', '<start>', '<end>', '<unk>'] as const;

export class Vocabulary {
  private readonly index = new Map<string, number>();
  readonly events: readonly string[];

  /** Event ids in a fixed (sorted) order, so two fits on the same data number them alike. */
  constructor(events: Iterable<string>) {
    this.events = [...new Set(events)].sort();
    this.events.forEach((e, i) => this.index.set(e, RESERVED.length + i));
  }

  static fromSessions(sessions: Iterable<readonly string[]>): Vocabulary {
    const seen = new Set<string>();
    for (const s of sessions) for (const e of s) seen.add(e);
    return new Vocabulary(seen);
  }

  get size(): number {
    return RESERVED.length + this.events.length;
  }

  encode(event: string): number {
    return this.index.get(event) ?? UNK;
  }

  has(event: string): boolean {
    return this.index.has(event);
  }

  name(token: number): string {
    return token < RESERVED.length ? (RESERVED[token] ?? '<?>') : (this.events[token - RESERVED.length] ?? '<?>');
  }
}

/**
 * The (window, next token) pairs of one session: windows of `h` tokens, left-padded with START,
 * targets every event then END. Returned flat: windows[i*h .. i*h+h) predicts targets[i].
 */
export function sessionWindows(tokens: readonly number[], h: number): { windows: number[]; targets: number[] } {
  const padded = [...new Array<number>(h).fill(START), ...tokens];
  const windows: number[] = [];
  const targets: number[] = [];
  for (let t = 0; t <= tokens.length; t++) {
    for (let k = 0; k < h; k++) windows.push(padded[t + k] ?? START);
    targets.push(t < tokens.length ? (tokens[t] ?? UNK) : END);
  }
  return { windows, targets };
}
