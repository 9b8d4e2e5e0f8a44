// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Dependencies flow one way (docs/architecture.md). Each entry forbids a folder from importing
 * what sits above it, so the layering is checked on every `npm test` rather than remembered.
 */
const layers = [
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
    },
  },
  ...layers.map(({ files, forbidden, why }) => ({
    files,
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
