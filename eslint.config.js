import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: forbidden.map((group) => ({ group: [group], message })) }],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'coverage/**', '.prof/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  // Layers depend downward only (see README "Architecture").
  layer(['src/sip/**'], ['**/server/**', '**/bindings/**', '**/calls/**', '**/api/**', '**/main*', 'node:dgram', 'node:net', 'node:fs', 'node:child_process', 'node:http'], 'src/sip is the pure protocol model: no I/O and no upper layers'),
  layer(['src/server/**'], ['**/bindings/**', '**/calls/**', '**/api/**', '**/main*'], 'the SIP server must not depend on the product layers'),
  layer(['src/bindings/**', 'src/records/**'], ['**/sip/**', '**/server/**', '**/calls/**', '**/api/**', '**/main*'], 'bindings depend on leaves only'),
  layer(['src/calls/**'], ['**/server/**', '**/api/**', '**/main*'], 'the calls app talks to drachtio-srf only, so it runs on a real drachtio-server too'),
  layer(['src/api/**'], ['**/sip/**', '**/server/**', '**/main*'], 'the API depends on bindings and a narrow calls port'),
  layer(['src/config/**', 'src/observability/**', 'src/errors*'], ['**/sip/**', '**/server/**', '**/bindings/**', '**/calls/**', '**/api/**', '**/main*'], 'leaves import nothing of ours'),
);
