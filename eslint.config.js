// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Dependencies flow one way (docs/architecture.md). Each entry forbids a folder from importing
 * what sits above it, so the layering is checked on every `npm test` rather than remembered.
 */
const ours = [
  '**/api/**',
  '**/clock/**',
  '**/paiflow/**',
  '**/kube/**',
  '**/controller/**',
  '**/observability/**',
  '**/sandbox/**',
  '**/cli/**',
  '**/util/**',
];
const layers = [
  {
    files: ['src/api/**/*.ts', 'src/clock/**/*.ts', 'src/util/**/*.ts'],
    forbidden: ours.filter((p) => !p.includes('util')),
    why: 'api, clock and util are leaves: every layer may import them, they import nothing of ours',
  },
  {
    files: ['src/controller/**/*.ts', 'src/kube/**/*.ts'],
    forbidden: ['**/app/**', '**/cli/**', '**/observability/**', '**/sandbox/**'],
    why: 'the controller reports through plain hooks; src/app wires metrics and probes to it',
  },
  {
    files: ['src/observability/**/*.ts'],
    forbidden: ['**/app/**', '**/cli/**', '**/sandbox/**'],
    why: 'observability is wired by src/app, never the other way round',
  },
  {
    files: ['src/controller/queue/**/*.ts'],
    forbidden: [...ours.filter((p) => p !== '**/clock/**'), 'pino', 'prom-client', '@kubernetes/client-node'],
    why: 'the work queue is generic: it knows keys and a clock, nothing of ours, of logging or of metrics',
  },
  {
    files: ['src/paiflow/**/*.ts'],
    forbidden: ['@kubernetes/client-node', '**/kube/**', '**/controller/**', '**/sandbox/**', '**/cli/**'],
    why: 'the PAIFlow client knows nothing of Kubernetes, the controller, the simulators or the CLI',
  },
  {
    files: ['src/sandbox/**/*.ts'],
    forbidden: ['**/controller/**', '**/cli/**', '**/observability/**'],
    why: 'the simulators live apart from the controller',
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // @kubernetes/client-node's generated models are data-only classes meant to be given literals.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  ...layers.map(({ files, forbidden, why }) => ({
    files,
    // Tests drive real components against the simulators; the layering is about shipped code.
    ignores: ['**/*.test.ts', '**/*.test-helper.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message: `Layering: ${why}.` }] }],
    },
  })),
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      'no-console': 'off',
    },
  },
  { files: ['**/*.js'], extends: [tseslint.configs.disableTypeChecked] },
);
