// ESLint (flat config): the recommended rules of ESLint and typescript-eslint, tuned to what this code base
// deliberately does. No formatting rules: Prettier (.prettierrc.json) owns the layout.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'fixtures/', 'rules/', 'docs/', 'test-output/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Escaping and sanitising text (report lines, Nix strings, shell words) matches control characters on purpose.
      'no-control-regex': 'off',
      // `let value = fallback; try { value = read() } catch {}` is how this code reads what may fail.
      'no-useless-assignment': 'off',
      // Tests match column-aligned output (`failed  x`) literally.
      'no-regex-spaces': 'off',
      // A zero-width space keeps `**/` from closing a doc comment that shows a glob.
      'no-irregular-whitespace': ['error', { skipComments: true }],
      // `_name` and the siblings of a rest element (`{ dropped, ...rest }`) are unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // CommonJS helpers (a preload for a child node) use require.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
