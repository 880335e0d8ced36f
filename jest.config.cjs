// One Jest run over every package: tests sit beside what they test, in each package test folder.
const swcOptions = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/examples'],
  testMatch: ['**/test/**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', swcOptions],
  },
  // inversify 8 and the NATS client are ESM-only: transform them for Jest's CommonJS runtime.
  transformIgnorePatterns: ['/node_modules/(?!(inversify|@inversifyjs|@nats-io)/)'],
  moduleNameMapper: {
    '^@hopbus/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  modulePathIgnorePatterns: ['<rootDir>/packages/.*/dist', '<rootDir>/examples/.*/dist'],
  testTimeout: 30000,
};
