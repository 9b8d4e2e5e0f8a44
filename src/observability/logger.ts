import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import type prettyFactory from 'pino-pretty';

export type LogFormat = 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];
export const LOG_LEVELS: readonly LevelWithSilent[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'silent',
];

/**
 * Field names whose values are secrets wherever they appear in a log object. Values that know they
 * are secret (AccessCredentials) already redact themselves; this is the second line of defence for
 * plain objects, e.g. a Secret's data logged by mistake.
 */
const SECRET_FIELDS = [
  'accessKeySecret',
  'securityToken',
  'tokenId',
  'TokenId',
  'token',
  'authorization',
  'data',
];

export interface LoggerOptions {
  level: LevelWithSilent;
  /** `json` (one object per line, for log pipelines) or `text` (human-readable, for terminals). */
  format: LogFormat;
  /** Where lines go. @default standard error */
  destination?: NodeJS.WritableStream;
  /** Which program writes (`controller`, `kube-sim`, ...). Not pino's `name`: that key is the resource's. */
  component?: string;
}

/**
 * pino-pretty (and its 29 modules) is loaded only for `--log-format text`: the JSON default, which is
 * what runs in clusters, never needs it.
 */
function loadPretty(): typeof prettyFactory {
  return createRequire(import.meta.url)('pino-pretty') as typeof prettyFactory;
}

/** A pino logger writing JSON lines (or readable text) with secret fields censored. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stderr;
  const stream =
    options.format === 'text'
      ? loadPretty()({
          destination,
          colorize: false,
          sync: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        })
      : destination;
  return pino(
    {
      level: options.level,
      base: { component: options.component ?? 'controller' },
      redact: {
        paths: SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
        censor: '[REDACTED]',
      },
    },
    stream,
  );
}
