// Type-checked lint with zero warnings, plus import rules that keep the layers pointing one way:
// domain ← services ← adapters (db, integrations) ← transport (api); the renderer sees none of main.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const prismaImports = {
  group: ['@prisma/*', '**/db/generated/**', '**/generated/client*', 'pglite-prisma-adapter', '@electric-sql/pglite'],
  message: 'Only src/main/db knows Prisma and the database drivers.',
};
const electronImports = {
  group: ['electron', 'electron/*'],
  message: 'Only the Electron shell (src/main/index.ts) imports electron.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      'coverage/',
      'src/main/db/generated/',
      'test-results/',
      'playwright-report/',
      '.tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['src/main/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'http', 'https', 'net'],
              message: 'The domain is pure: no I/O.',
            },
            {
              group: [
                '../services/*',
                '../db/*',
                '../api/*',
                '../integrations/*',
                '../config/*',
                '../sandbox/*',
                '../outbox/*',
              ],
              message: 'The domain depends on nothing else in main.',
            },
            prismaImports,
            electronImports,
            { group: ['zod', 'stripe', 'nodemailer'], message: 'The domain is plain TypeScript.' },
          ],
        },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Inject a Clock instead.' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: 'Inject a Clock instead of reading the time.',
        },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'The domain is deterministic.',
        },
      ],
    },
  },
  {
    files: [
      'src/main/services/**/*.ts',
      'src/main/api/**/*.ts',
      'src/main/outbox/**/*.ts',
      'src/main/ipc/**/*.ts',
      'src/main/integrations/**/*.ts',
      'src/main/sandbox/**/*.ts',
      'src/main/config/**/*.ts',
      'src/shared/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ ...prismaImports, allowTypeImports: false }, electronImports] },
      ],
    },
  },
  {
    files: ['src/main/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            prismaImports,
            electronImports,
            {
              group: ['../db/*', '../../db/*', '../db/**', '../../db/**'],
              message: 'Procedures call services, never repositories.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '!**/main/api/root'],
              message: 'The renderer reaches main only through tRPC.',
              allowTypeImports: true,
            },
            prismaImports,
            electronImports,
          ],
        },
      ],
    },
  },
);
