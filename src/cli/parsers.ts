import { InvalidArgumentError } from 'commander';

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

const durationUnitsMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go-style duration (`500ms`, `30s`, `2m`, `1h30m`) into milliseconds, the format
 * Kubernetes users already write in manifests.
 */
export function parseDuration(value: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(value)
    ? [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
    : [];
  if (parts.length === 0) {
    throw new InvalidArgumentError(`expected a duration such as 30s, 2m or 1h30m, got "${value}".`);
  }
  return Math.round(
    parts.reduce((sum, [, n, unit]) => sum + Number(n) * (durationUnitsMs[unit ?? ''] ?? 0), 0),
  );
}

/** Collects a repeatable option into an array (commander calls it once per occurrence). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
