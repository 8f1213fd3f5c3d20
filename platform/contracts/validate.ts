// Compiled validators: schema checks at every boundary without a per-record interpretation cost.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

const cache = new WeakMap<TSchema, TypeCheck<TSchema>>();

function compiled<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = cache.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    cache.set(schema, check);
  }
  return check as TypeCheck<T>;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string };

/** Checks a value against a schema; on failure returns the first few problems as one readable line. */
export function validate<T extends TSchema>(schema: T, value: unknown): Validation<Static<T>> {
  const check = compiled(schema);
  if (check.Check(value)) return { ok: true, value: value as Static<T> };
  const problems: string[] = [];
  for (const e of check.Errors(value)) {
    problems.push(`${e.path || '/'}: ${e.message}`);
    if (problems.length >= 5) break;
  }
  return { ok: false, error: problems.join('; ') };
}
