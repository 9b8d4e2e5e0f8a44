import { Option } from 'commander';
import { LOG_LEVELS } from '../observability/logger.ts';

/** `--log-level`, read also from `env`; every command logs through createLogger at this level. */
export function logLevelOption(env: string): Option {
  return new Option('--log-level <level>', 'pino log level').env(env).choices(LOG_LEVELS).default('info');
}
