// A schema validation failure as a sentence a user can act on. Ajv reports a union of literals
// (`status` is open, resolved or merged) as one `const` error per branch plus an `anyOf`, which
// read "must be equal to constant, ... must match a schema in anyOf"; here they become
// "querystring status must be one of open, resolved, merged (got "maybe")".

export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string | undefined;
  params: Record<string, unknown>;
}

function field(path: string): string {
  return path.replace(/^\//, '').replaceAll('/', '.');
}

function valueAt(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('/').slice(1)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return cur;
}

/**
 * `context` is where the value came from (querystring, body, params); `data` that input, to
 * quote the value given. Each field is described once.
 */
export function validationMessage(context: string, errors: readonly SchemaError[], data?: unknown): string {
  const allowed = new Map<string, string[]>();
  for (const e of errors) {
    const values = e.keyword === 'const' ? [e.params.allowedValue] : e.keyword === 'enum' ? (e.params.allowedValues as unknown[] | undefined) ?? [] : undefined;
    if (!values) continue;
    const list = allowed.get(e.instancePath) ?? [];
    for (const v of values) if (!list.includes(String(v))) list.push(String(v));
    allowed.set(e.instancePath, list);
  }
  const parts: string[] = [];
  const described = new Set<string>();
  for (const e of errors) {
    const list = allowed.get(e.instancePath);
    if (list) {
      if (described.has(e.instancePath)) continue;
      described.add(e.instancePath);
      const given = valueAt(data, e.instancePath);
      parts.push(`${context} ${field(e.instancePath)} must be one of ${list.join(', ')}${given === undefined ? '' : ` (got ${JSON.stringify(given)})`}`);
    } else if (e.keyword === 'required') {
      parts.push(`${context} needs ${[field(e.instancePath), String(e.params.missingProperty)].filter(Boolean).join('.')}`);
    } else if (e.keyword === 'additionalProperties') {
      parts.push(`${context}${e.instancePath ? ` ${field(e.instancePath)}` : ''} has unknown property ${String(e.params.additionalProperty)}`);
    } else {
      parts.push(`${context}${e.instancePath ? ` ${field(e.instancePath)}` : ''} ${e.message ?? 'is invalid'}`);
    }
  }
  return parts.length > 0 ? `${parts.join('; ')}.` : `The ${context} does not match the schema.`;
}
