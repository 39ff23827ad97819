import { describe, expect, it } from 'vitest';
import { createAccessTokens } from '../../../src/main/services/access-tokens';
import type { Repositories } from '../../../src/main/services/ports';

// With a configured secret the key never comes from the database.
const noRepos = {} as Repositories;
const claims = { sessionId: 'session-1', kind: 'STUDENT' as const, subjectId: 7 };
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 28, 12, 0, 0) + seconds * 1000);

describe('access tokens', () => {
  it('a token verified once is honoured until it expires, then refused as expired, also from memory', async () => {
    const tokens = await createAccessTokens(noRepos, 'a configured secret of enough length', 900);
    const token = await tokens.sign(claims, at(0));
    await expect(tokens.verify(token, at(1))).resolves.toEqual(claims);
    await expect(tokens.verify(token, at(899))).resolves.toEqual(claims);
    await expect(tokens.verify(token, at(900))).rejects.toThrow(/expired/);
    await expect(tokens.verify(token, at(901))).rejects.toThrow(/expired/);
  });

  it('remembering a verified token never lets a changed copy of it through', async () => {
    const tokens = await createAccessTokens(noRepos, 'a configured secret of enough length', 900);
    const token = await tokens.sign(claims, at(0));
    await tokens.verify(token, at(1));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const otherClaims = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: '8' }),
    ).toString('base64url');
    await expect(tokens.verify(`${header}.${otherClaims}.${signature}`, at(2))).rejects.toThrow(/invalid/);
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await expect(tokens.verify(`${header}.${payload}.${flipped}`, at(2))).rejects.toThrow(/invalid/);
  });

  it('a token of another deployment (another key) is refused, before and after ours were remembered', async () => {
    const ours = await createAccessTokens(noRepos, 'a configured secret of enough length', 900);
    const theirs = await createAccessTokens(noRepos, 'another secret entirely, also long', 900);
    const foreign = await theirs.sign(claims, at(0));
    await expect(ours.verify(foreign, at(1))).rejects.toThrow(/invalid/);
    await ours.verify(await ours.sign(claims, at(0)), at(1));
    await expect(ours.verify(foreign, at(2))).rejects.toThrow(/invalid/);
  });
});
