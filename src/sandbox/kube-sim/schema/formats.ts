import { isIPv4, isIPv6 } from 'node:net';

/**
 * The string formats a CRD schema gets validated against (apiextensions-apiserver
 * pkg/apiserver/validation/formats.go, checkers from kube-openapi strfmt). Any other format, and
 * int32/int64/float/double on numbers, is not checked by the real server either. Names are matched
 * after removing dashes (`date-time` = `datetime`), as go-openapi normalises them.
 *
 * The checkers follow the Go ones closely; `email` and `uri` are approximations of net/mail and
 * net/url parsing.
 */

const goDuration = /^[-+]?(0|((\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$/;
const scalaDurationShape = /^\s*(?:\d+\s*[A-Za-zµ]+\s*)+$/;
const scalaUnits = [
  ['ns', 'nano'],
  ['us', 'µs', 'micro'],
  ['ms', 'milli'],
  ['s', 'sec'],
  ['m', 'min'],
  ['h', 'hr', 'hour'],
  ['d', 'day'],
  ['w', 'wk', 'week'],
];
const hostname =
  /^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z0-9\p{S}\p{L}])(-?[a-zA-Z0-9\p{S}\p{L}]){1,62})$/u;
const octet = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const rgb = new RegExp(`^rgb\\(\\s*${octet}\\s*,\\s*${octet}\\s*,\\s*${octet}\\s*\\)$`);
const creditCard =
  /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|(222[1-9]|22[3-9][0-9]|2[3-6][0-9]{2}|27[01][0-9]|2720)[0-9]{12}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11}|6[27][0-9]{14})$/;

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function isDateTime(s: string): boolean {
  const parts = s.toLowerCase().split('t');
  if (s.length < 4 || parts.length < 2 || !isDate(parts[0] ?? '')) return false;
  const m = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/.exec(parts[1] ?? '');
  return m !== null && (m[1] ?? '') <= '23' && (m[2] ?? '') <= '59' && (m[3] ?? '') <= '59';
}

function isDuration(s: string): boolean {
  if (goDuration.test(s)) return true;
  if (!scalaDurationShape.test(s)) return false;
  return [...s.matchAll(/(\d+)\s*([A-Za-zµ]+)/g)].some(([, , unit = '']) =>
    scalaUnits.some((variants) =>
      variants.some(
        (v, i) =>
          v.toLowerCase() === unit.toLowerCase() ||
          (i === variants.length - 1 && unit.toLowerCase().startsWith(v)),
      ),
    ),
  );
}

function isCIDR(s: string): boolean {
  const [ip = '', prefix, ...rest] = s.split('/');
  if (prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return false;
  const max = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : -1;
  return Number(prefix) <= max;
}

function isMAC(s: string): boolean {
  return [6, 8, 20].some(
    (n) =>
      new RegExp(`^[0-9a-fA-F]{2}([:-])[0-9a-fA-F]{2}(\\1[0-9a-fA-F]{2}){${n - 2}}$`).test(s) ||
      new RegExp(`^[0-9a-fA-F]{4}(\\.[0-9a-fA-F]{4}){${n / 2 - 1}}$`).test(s),
  );
}

function isISBN(s: string, length: 10 | 13): boolean {
  const digits = s.replace(/[\s-]/g, '');
  if (length === 10) {
    if (!/^\d{9}[\dX]$/.test(digits)) return false;
    const sum = Array.from(digits).reduce((acc, c, i) => acc + (c === 'X' ? 10 : Number(c)) * (10 - i), 0);
    return sum % 11 === 0;
  }
  if (!/^\d{13}$/.test(digits)) return false;
  const sum = Array.from(digits).reduce((acc, c, i) => acc + Number(c) * (i % 2 === 0 ? 1 : 3), 0);
  return sum % 10 === 0;
}

function isCreditCard(s: string): boolean {
  const digits = s.replace(/\D/g, '');
  if (!creditCard.test(digits)) return false;
  let sum = 0;
  Array.from(digits)
    .reverse()
    .forEach((c, i) => {
      const d = Number(c) * (i % 2 === 1 ? 2 : 1);
      sum += d > 9 ? d - 9 : d;
    });
  return sum % 10 === 0;
}

function isURI(s: string): boolean {
  if (s.startsWith('/')) return !/\s/.test(s);
  try {
    return new URL(s).protocol !== '';
  } catch {
    return false;
  }
}

function isQuantity(s: string): boolean {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(.*)$/.exec(s);
  if (m === null) return false;
  const suffix = m[2] ?? '';
  return (
    ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E'].includes(suffix) ||
    /^[eE][+-]?\d+$/.test(suffix)
  );
}

const checkers: Record<string, (s: string) => boolean> = {
  bsonobjectid: (s) => /^[0-9a-fA-F]{24}$/.test(s),
  uri: isURI,
  email: (s) => /^(?:[^<>]*<)?[^\s@<>]+@[^\s@<>]+(?:>)?$/.test(s),
  hostname: (s) => hostname.test(s) && s.length <= 255 && s.split('.').every((p) => p.length <= 63),
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  cidr: isCIDR,
  mac: isMAC,
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid3: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  uuid4: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  uuid5: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$/i.test(s),
  isbn: (s) => isISBN(s, 10) || isISBN(s, 13),
  isbn10: (s) => isISBN(s, 10),
  isbn13: (s) => isISBN(s, 13),
  creditcard: isCreditCard,
  ssn: (s) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(s),
  hexcolor: (s) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(s),
  rgbcolor: (s) => rgb.test(s),
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/.test(s),
  password: () => true,
  date: isDate,
  duration: isDuration,
  datetime: isDateTime,
  quantity: isQuantity,
};

/** The checker of a string format the real server validates, or undefined when it ignores the format. */
export function formatChecker(format: string): ((s: string) => boolean) | undefined {
  return checkers[format.replaceAll('-', '')];
}
