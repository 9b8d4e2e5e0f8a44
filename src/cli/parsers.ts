import { InvalidArgumentError } from 'commander';
import { parseDurationMs } from '../util/duration.ts';

/**
 * Option value parsers shared by every subcommand. Each throws commander's InvalidArgumentError,
 * which commander reports as `error: option '--flag <value>' argument 'x' is invalid. expected ...`
 * and exits non-zero, so the message always names the flag and the fix.
 */

/** Parses `HOST:PORT` (port 0 means "pick a free port"); IPv6 hosts are written `[::1]:8080`. */
export function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError(`expected HOST:PORT such as 127.0.0.1:8080, got "${value}".`);
  }
  return { host, port };
}

/** Returns a parser for integers within [min, max]. */
export function intInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${value}".`);
    }
    return n;
  };
}

/** Returns a parser for finite numbers within [min, max]. */
export function numberInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}".`);
    }
    return n;
  };
}

/** Parses a Go-style duration (`500ms`, `30s`, `2m`, `1h30m`) into milliseconds. */
export function parseDuration(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    throw new InvalidArgumentError(`expected a duration such as 30s, 2m or 1h30m, got "${value}".`);
  }
  return ms;
}

/** Collects a repeatable option into an array (commander calls it once per occurrence). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Returns a parser accepting one of `keywords` or a duration (returned in milliseconds). */
export function keywordOrDuration<K extends string>(...keywords: K[]): (value: string) => K | number {
  return (value) => {
    if ((keywords as string[]).includes(value)) return value as K;
    try {
      return parseDuration(value);
    } catch {
      throw new InvalidArgumentError(
        `expected ${keywords.join(', ')} or a duration such as 2s, got "${value}".`,
      );
    }
  };
}

/**
 * Parses access keys written `ID:SECRET` or `ID:SECRET:STS_TOKEN`, several separated by commas, and
 * appends them to those of earlier occurrences of the flag.
 */
export function collectAccessKeys(
  value: string,
  previous: { accessKeyId: string; accessKeySecret: string; securityToken?: string }[] | undefined,
): { accessKeyId: string; accessKeySecret: string; securityToken?: string }[] {
  const keys = value.split(',').map((entry) => {
    const [accessKeyId = '', accessKeySecret = '', securityToken, ...rest] = entry.trim().split(':');
    if (accessKeyId === '' || accessKeySecret === '' || securityToken === '' || rest.length > 0) {
      throw new InvalidArgumentError(
        'expected ID:SECRET or ID:SECRET:STS_TOKEN (comma-separated for several).',
      );
    }
    return { accessKeyId, accessKeySecret, ...(securityToken !== undefined && { securityToken }) };
  });
  return [...(previous ?? []), ...keys];
}

/** Parses a Go-style duration that must be more than zero (intervals, timeouts). */
export function positiveDuration(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined || ms <= 0) {
    throw new InvalidArgumentError(`expected a positive duration such as 500ms, 30s or 2m, got "${value}".`);
  }
  return ms;
}

/** Parses `true` or `false` (any case); for boolean flags that are also set from the environment. */
export function parseBoolean(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized !== 'true' && normalized !== 'false') {
    throw new InvalidArgumentError(`expected true or false, got "${value}".`);
  }
  return normalized === 'true';
}

/**
 * Returns a parser for a comma-separated list: entries are trimmed, an empty entry or list is refused,
 * and `check` (which throws an Error saying what is wrong) vets each entry.
 */
export function commaList(check: (entry: string) => void = () => undefined): (value: string) => string[] {
  return (value) => {
    const entries = value.split(',').map((entry) => entry.trim());
    if (entries.some((entry) => entry === '')) {
      throw new InvalidArgumentError(
        `expected a comma-separated list without empty entries, got "${value}".`,
      );
    }
    return entries.map(checkedBy(check));
  };
}

/**
 * Returns a parser that hands the value to `check`, which throws an Error saying what is wrong, and
 * returns the value unchanged; the Error becomes commander's InvalidArgumentError.
 */
export function checkedBy(check: (value: string) => void): (value: string) => string {
  return (value) => {
    try {
      check(value);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? `${error.message}.` : String(error));
    }
    return value;
  };
}
