import { Writable } from 'node:stream';
import { createLogger, type LogFormat } from './logger.ts';

function capture(format: LogFormat): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, log: createLogger({ level: 'info', format, destination }) };
}

test.each<LogFormat>(['json', 'text'])('%s: secret fields are censored at any depth', (format) => {
  const { lines, log } = capture(format);
  log.info(
    {
      accessKeySecret: 'top-secret-1',
      credentials: { accessKeyId: 'LTAI-visible', securityToken: 'top-secret-2' },
      request: { query: { TokenId: 'top-secret-3' } },
      secret: { data: { accessKeySecret: 'top-secret-4' } },
    },
    'resolving credentials',
  );
  const text = lines.join('');
  expect(text).toContain('resolving credentials');
  expect(text).toContain('LTAI-visible');
  expect(text).toContain('[REDACTED]');
  expect(text).not.toMatch(/top-secret/);
});

test('json format: one object per line; the resource name key is not taken by the logger', () => {
  const { lines, log } = capture('json');
  log.child({ namespace: 'team-a', name: 'train' }).warn('polling failed');
  const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  expect(record).toMatchObject({
    level: 40,
    component: 'controller',
    name: 'train',
    namespace: 'team-a',
    msg: 'polling failed',
  });
});
