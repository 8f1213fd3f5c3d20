// Character classes used by the tokenizer and the masks: one table lookup per character,
// OR-ed into a per-chunk flag word so most masking decisions never re-read the chunk.

export const C_DIGIT = 1;
/** ASCII letter or any non-ASCII character. */
export const C_ALPHA = 2;
/** Characters that need a closer look: / \ @ = : ~ */
export const C_SPECIAL = 4;
export const C_DOT = 8;
/** Not a hexadecimal digit (0-9a-fA-F). */
export const C_NONHEX = 16;
/** Key identifier character: letters, digits, _ . - */
export const C_IDENT = 32;
/** Opening punctuation kept in front of a wildcard: ( [ { < " ' */
export const C_LEAD = 64;
/** Closing / trailing punctuation kept after a wildcard: ) ] } > " ' , ; : . */
export const C_TRAIL = 128;
/** Set on a chunk made of a run of three or more dots (never a character class). */
export const F_DOTRUN = 1 << 16;

export const CHAR_CLASS = new Uint16Array(128);

(function buildTable(): void {
  for (let c = 0; c < 128; c++) {
    let f = 0;
    const ch = String.fromCharCode(c);
    const isDigit = c >= 48 && c <= 57;
    const isUpper = c >= 65 && c <= 90;
    const isLower = c >= 97 && c <= 122;
    if (isDigit) f |= C_DIGIT;
    if (isUpper || isLower) f |= C_ALPHA;
    if ('/\\@=:~'.includes(ch)) f |= C_SPECIAL;
    if (ch === '.') f |= C_DOT;
    const isHex = isDigit || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
    if (!isHex) f |= C_NONHEX;
    if (isDigit || isUpper || isLower || ch === '_' || ch === '.' || ch === '-') f |= C_IDENT;
    if ('([{<"\''.includes(ch)) f |= C_LEAD;
    if (')]}>"\',;:.'.includes(ch)) f |= C_TRAIL;
    CHAR_CLASS[c] = f;
  }
})();

/** Class of a non-ASCII code unit: a letter-like character that is not hex and not an identifier char. */
export const NON_ASCII_CLASS = C_ALPHA | C_NONHEX;

export function charClass(c: number): number {
  return c < 128 ? CHAR_CLASS[c]! : NON_ASCII_CLASS;
}

/** The opener matching a closing character, or 0 when c does not close anything. */
export function openerOf(c: number): number {
  switch (c) {
    case 41: return 40; // ) (
    case 93: return 91; // ] [
    case 125: return 123; // } {
    case 62: return 60; // > <
    case 34: return 34; // " "
    case 39: return 39; // ' '
    default: return 0;
  }
}
