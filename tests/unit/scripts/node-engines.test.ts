import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { satisfiesEngines } from '../../../scripts/node-engines';

const RANGE = '^20.19.0 || ^22.13.0 || >=24';

describe('satisfiesEngines (what npm run doctor says about Node.js)', () => {
  it.each([
    ['20.19.0', true],
    ['20.20.2', true],
    ['v20.20.2', true],
    ['20.18.3', false],
    ['21.7.0', false],
    ['22.12.0', false],
    ['22.13.0', true],
    ['23.1.0', false],
    ['24.0.0', true],
    ['26.1.0', true],
    ['18.20.0', false],
  ])('Node %s → %s', (version, expected) => {
    expect(satisfiesEngines(version, RANGE)).toBe(expected);
  });

  it('says when it cannot read a range instead of guessing', () => {
    expect(satisfiesEngines('20.20.2', '~20.19')).toBeNull();
    expect(satisfiesEngines('not a version', RANGE)).toBeNull();
  });

  it('reads the range package.json declares, and this machine’s Node.js is inside it', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
    expect(satisfiesEngines(process.versions.node, pkg.engines.node)).toBe(true);
  });
});
