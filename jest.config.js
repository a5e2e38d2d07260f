/** Unit tests are transpile-only for speed; `npm run lint` type-checks tests with tsconfig.test.json. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testTimeout: 30000,
};
