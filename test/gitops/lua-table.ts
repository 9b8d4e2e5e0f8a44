/** A JSON value, as `JSON.parse` or the `yaml` package returns it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

// Lua 5.1 string literals know no \u escapes: everything outside printable ASCII becomes
// decimal byte escapes of its UTF-8 encoding.
function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte >= 0x20 && byte < 0x7f && char !== '"' && char !== '\\' ? char : `\\${String(byte)}`;
  }
  return `${out}"`;
}

/**
 * A Lua 5.1 expression for `value`, converted the way Argo CD hands objects to its Lua scripts:
 * arrays become sequences, objects tables keyed by string, null nil (the key disappears).
 * Throws for numbers Lua cannot write (NaN, Infinity).
 */
export function toLuaTable(value: Json): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return luaString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`no Lua literal for ${String(value)}`);
    return String(value);
  }
  if (Array.isArray(value)) return `{${value.map(toLuaTable).join(', ')}}`;
  const fields = Object.entries(value).map(([key, item]) => `[${luaString(key)}] = ${toLuaTable(item)}`);
  return `{${fields.join(', ')}}`;
}
