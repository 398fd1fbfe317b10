// Flat ESLint config (typescript-eslint). `npm run lint`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.e2e/**',
      '.venv/**',
      'test/fixtures/**',
      'test/e2e/workspace/**',
      'examples/**',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-namespace': 'off',
    },
  },
  {
    // The engine, the language server and the runner must run without VS Code (CLI, CI, other editors).
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'vscode is only for client/: keep the engine editor-independent.' }] },
      ],
    },
  },
);
