// One typed way to put a value into SQL. Statements are tagged templates whose holes take only
// typed values; each store renders them: ClickHouse inlines them through `clickhouseLiteral`
// (18.16 has no server-side parameters), DuckDB binds them as prepared-statement parameters.
// Input is never concatenated into SQL text.

export type SqlValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'strings'; readonly value: readonly string[] };

export interface SqlIdentifier {
  readonly kind: 'identifier';
  readonly name: string;
}

export interface SqlFragment {
  readonly kind: 'fragment';
  readonly texts: readonly string[];
  readonly holes: ReadonlyArray<SqlValue | SqlIdentifier | SqlFragment>;
}

export const val = {
  str(value: string): SqlValue {
    if (typeof value !== 'string') throw new TypeError('val.str needs a string');
    return { kind: 'string', value };
  },
  int(value: number): SqlValue {
    if (!Number.isSafeInteger(value)) throw new TypeError(`val.int needs a safe integer, got ${value}`);
    return { kind: 'int', value };
  },
  float(value: number): SqlValue {
    if (!Number.isFinite(value)) throw new TypeError(`val.float needs a finite number, got ${value}`);
    return { kind: 'float', value };
  },
  strs(value: readonly string[]): SqlValue {
    return { kind: 'strings', value: value.map((v) => val.str(v).value as string) };
  },
};

/** A table or column name chosen by our code, never by input. */
export function ident(name: string): SqlIdentifier {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) throw new TypeError(`not an identifier: ${name}`);
  return { kind: 'identifier', name };
}

export function sql(texts: TemplateStringsArray, ...holes: Array<SqlValue | SqlIdentifier | SqlFragment>): SqlFragment {
  return { kind: 'fragment', texts: [...texts], holes };
}

/** Constant SQL text chosen by our code (a keyword, a column list); never input. */
export function trusted(text: string): SqlFragment {
  return { kind: 'fragment', texts: [text], holes: [] };
}

/** Joins fragments with a constant separator such as ' AND ' or ', '. */
export function join(fragments: readonly SqlFragment[], separator: string): SqlFragment {
  // texts are '' sep sep ... '' around the n fragments.
  const texts = fragments.map((_, i) => (i === 0 ? '' : separator));
  texts.push('');
  return { kind: 'fragment', texts, holes: [...fragments] };
}

const CH_ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\0': '\\0', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** The ClickHouse literal formatter: the only place a value becomes SQL text for ClickHouse. */
export function clickhouseLiteral(v: SqlValue): string {
  switch (v.kind) {
    case 'string':
      return `'${v.value.replace(/[\\'\0\n\r\t\b\f]/g, (c) => CH_ESCAPES[c]!)}'`;
    case 'int':
      return String(v.value);
    case 'float': {
      const s = String(v.value);
      return /[.eE]/.test(s) ? s : `${s}.0`;
    }
    case 'strings':
      return `[${v.value.map((s) => clickhouseLiteral({ kind: 'string', value: s })).join(', ')}]`;
  }
}

export function renderClickHouse(f: SqlFragment): string {
  let out = '';
  f.texts.forEach((t, i) => {
    out += t;
    const h = f.holes[i];
    if (!h) return;
    if (h.kind === 'fragment') out += renderClickHouse(h);
    else if (h.kind === 'identifier') out += h.name;
    else out += clickhouseLiteral(h);
  });
  return out;
}

export interface PositionalStatement {
  text: string;
  values: SqlValue[];
}

/** Renders `$1, $2, ...` placeholders for stores with real parameter binding (DuckDB). */
export function renderPositional(f: SqlFragment, values: SqlValue[] = []): PositionalStatement {
  let text = '';
  f.texts.forEach((t, i) => {
    text += t;
    const h = f.holes[i];
    if (!h) return;
    if (h.kind === 'fragment') text += renderPositional(h, values).text;
    else if (h.kind === 'identifier') text += h.name;
    else {
      values.push(h);
      text += `$${values.length}`;
    }
  });
  return { text, values };
}
