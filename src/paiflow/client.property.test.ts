import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { propertyRuns } from '../../test/support/property-runs.ts';
import { PaiflowClient } from './client.ts';
import { StaticCredentialsProvider } from './credentials.ts';
import { PaiflowError } from './errors.ts';
import { responseText } from './pai-arbitraries.test-helper.ts';

/** What the loopback server answers next. */
interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

let answer: Answer = { status: 200, headers: {}, body: Buffer.alloc(0) };
let server: Server;
let client: PaiflowClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new PaiflowClient({
    endpoint: `http://127.0.0.1:${port}`,
    credentials: new StaticCredentialsProvider({
      accessKeyId: 'AK',
      accessKeySecret: 'sk-property-secret-value',
    }),
    timeoutMs: 2000,
    maxResponseBytes: 64 * 1024,
    // One attempt: the property is about what one answer can do to a call.
    retry: { retries: 0 },
  });
});

afterAll(async () => {
  await client.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// Header values must be sendable: printable ASCII.
const headerText = fc.stringMatching(/^[\x20-\x7e]{0,24}$/);
const answers: fc.Arbitrary<Answer> = fc.record({
  status: fc.constantFrom(200, 201, 202, 204, 302, 304, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504),
  headers: fc.dictionary(
    fc.constantFrom('x-acs-retry-after', 'retry-after', 'x-acs-request-id', 'content-type'),
    headerText,
    { maxKeys: 3 },
  ),
  body: fc.oneof(
    responseText.map((text) => Buffer.from(text)),
    fc.uint8Array({ maxLength: 1024 }).map((bytes) => Buffer.from(bytes)),
    // Past the client's response size limit.
    fc.integer({ min: 64 * 1024 + 1, max: 80 * 1024 }).map((n) => Buffer.alloc(n, 0x20)),
  ),
});

describe('the client, whatever one answer holds', () => {
  test('resolves, or rejects with a PaiflowError and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(answers, fc.constantFrom('node', 'run', 'batch'), async (next, operation) => {
        answer = next;
        const call =
          operation === 'node'
            ? client.listPipelineRunNodeStatus({ pipelineRunId: 'flow-1', nodeId: 'node-1', depth: 2 })
            : operation === 'run'
              ? client.getPipelineRun({ pipelineRunId: 'flow-1' })
              : client.listPipelineRunsStatus({ nodes: [{ pipelineRunId: 'flow-1', nodeId: 'node-1' }] });
        const outcome = await call.then(
          () => undefined,
          (error: unknown) => error,
        );
        if (outcome !== undefined) {
          expect(outcome).toBeInstanceOf(PaiflowError);
          expect((outcome as PaiflowError).message).not.toContain('sk-property-secret-value');
        }
      }),
      propertyRuns(),
    );
  });
});
