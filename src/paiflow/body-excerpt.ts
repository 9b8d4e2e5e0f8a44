/** How much of a body is looked at: a proxy's page says what matters at its top. */
const SCAN_LIMIT = 16 * 1024;

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const point = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return point > 0 && point <= 0x10ffff ? String.fromCodePoint(point) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Where the tag (or comment, script, style) opening at `open` ends; -1 when it never does. */
function tagEnd(text: string, open: number): { closer: string; end: number } {
  if (text.startsWith('<!--', open)) return { closer: '-->', end: text.indexOf('-->', open + 4) };
  // The content of these is not text; an unclosed one hides the rest of the page.
  const element = /^<(script|style)\b/i.exec(text.slice(open, open + 8))?.[1]?.toLowerCase();
  if (element === undefined) return { closer: '>', end: text.indexOf('>', open) };
  const closing = new RegExp(`</${element}\\s*>`, 'gi');
  closing.lastIndex = open;
  const match = closing.exec(text);
  return match === null ? { closer: '', end: -1 } : { closer: match[0], end: match.index };
}

/**
 * The text a person would read in a response body that is not Alibaba's JSON (a gateway's HTML error
 * page, plain text, nothing): markup, scripts, styles and comments dropped, a few entities decoded,
 * blanks collapsed, at most `max` characters. Only the first 16 KiB are read, in one linear pass, so
 * a hostile or huge body costs little. The caller still scrubs secrets from the result.
 */
export function bodyExcerpt(body: string, max: number): string {
  const text = body.length > SCAN_LIMIT ? body.slice(0, SCAN_LIMIT) : body;
  const parts: string[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('<', at);
    if (open < 0) {
      parts.push(text.slice(at));
      break;
    }
    // A `<` that starts no tag (`a < b`) is text.
    if (!/[a-z/!?]/i.test(text.charAt(open + 1))) {
      parts.push(text.slice(at, open + 1));
      at = open + 1;
      continue;
    }
    parts.push(text.slice(at, open), ' ');
    const { closer, end } = tagEnd(text, open);
    if (end < 0) break;
    at = end + closer.length;
  }
  const visible = decodeEntities(parts.join(''))
    // eslint-disable-next-line no-control-regex -- control characters are not visible text
    .replace(/[\s\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  if (visible.length <= max) return visible;
  // Never cut a surrogate pair in half.
  const last = visible.charCodeAt(max - 1);
  return `${visible.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max)}...`;
}
