const ELLIPSIS = '...';

/**
 * `text` when it has at most `max` UTF-16 units, otherwise its start ending in `...`, `max` units in
 * all, never splitting a surrogate pair. The API server counts characters (code points), never more
 * than UTF-16 units, so the result always fits a schema `maxLength` of `max`.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= ELLIPSIS.length) return ELLIPSIS.slice(0, Math.max(0, max));
  let end = max - ELLIPSIS.length;
  const last = text.charCodeAt(end - 1);
  // A high surrogate whose low half would be cut off.
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}
