import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FastifyError } from 'fastify';
import { FanyiError } from '../../src/errors.ts';
import { toProblem } from '../../src/server/plugins/error-handler.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { assertBindable, DEFAULT_TENANT, isLoopbackHost, parseTokens, resolveTokens, TokenTable } from '../../src/server/server-security.ts';
import { displayName } from '../../src/server/upload-store.ts';

describe('server security helpers', () => {
  test('parseTokens reads token:tenant pairs; a bare token is the default tenant', () => {
    const tokens = parseTokens(' aaaaaaaaaaaaaaaa:team-a , bbbbbbbbbbbbbbbb:team_b,cccccccccccccccc ,');
    assert.deepEqual([...tokens], [['aaaaaaaaaaaaaaaa', 'team-a'], ['bbbbbbbbbbbbbbbb', 'team_b'], ['cccccccccccccccc', DEFAULT_TENANT]]);
    assert.equal(parseTokens(undefined).size, 0);
  });

  test('parseTokens rejects short tokens and odd tenants without echoing the token', () => {
    assert.throws(() => parseTokens('short:team'), (error: FanyiError) => error.code === 'CONFIG_INVALID' && !error.message.includes('short'));
    assert.throws(() => parseTokens('aaaaaaaaaaaaaaaa:../team'), /tenant must be/);
  });

  test('resolveTokens: server.tokens read from their environment variables, added to FANYI_TOKENS', () => {
    const configured = configSchema.parse({ server: { tokens: [{ token_env: 'TEAM_A_TOKEN', tenant: 'team-a' }, { token_env: 'OPS_TOKEN' }] } }).server.tokens;
    const env = { FANYI_TOKENS: 'bbbbbbbbbbbbbbbb:team-b', TEAM_A_TOKEN: 'aaaaaaaaaaaaaaaa', OPS_TOKEN: ' oooooooooooooooo\n' };
    assert.deepEqual([...resolveTokens(configured, env)], [['bbbbbbbbbbbbbbbb', 'team-b'], ['aaaaaaaaaaaaaaaa', 'team-a'], ['oooooooooooooooo', DEFAULT_TENANT]]);
    assert.equal(resolveTokens([], {}).size, 0);
  });

  test('resolveTokens: a missing variable, a weak token or one token for two tenants fails, naming the entry, never the token', () => {
    const entry = [{ token_env: 'TEAM_A_TOKEN', tenant: 'team-a' }];
    assert.throws(() => resolveTokens(entry, {}), (error: FanyiError) => error.code === 'CONFIG_INVALID' && /server\.tokens\[0\] \(TEAM_A_TOKEN\).*not set/.test(error.message));
    assert.throws(() => resolveTokens(entry, { TEAM_A_TOKEN: 'weak-secret' }), (error: FanyiError) => /at least 16/.test(error.message) && !error.message.includes('weak-secret'));
    const shared = { TEAM_A_TOKEN: 'aaaaaaaaaaaaaaaa', FANYI_TOKENS: 'aaaaaaaaaaaaaaaa:team-b' };
    assert.throws(() => resolveTokens(entry, shared), (error: FanyiError) => /tenant team-b/.test(error.message) && !error.message.includes('aaaaaaaa'));
    // A token in the file itself is refused by the schema: only variable names belong there.
    assert.ok(!configSchema.safeParse({ server: { tokens: [{ token: 'aaaaaaaaaaaaaaaa', tenant: 'x' }] } }).success);
    assert.ok(!configSchema.safeParse({ server: { tokens: [{ token_env: 'A B' }] } }).success);
  });

  test('TokenTable finds the tenant of a token and nothing for another', () => {
    const table = new TokenTable(parseTokens('aaaaaaaaaaaaaaaa:a,bbbbbbbbbbbbbbbb:b'));
    assert.equal(table.tenantOf('bbbbbbbbbbbbbbbb'), 'b');
    assert.equal(table.tenantOf('bbbbbbbbbbbbbbb'), undefined);
    assert.equal(table.tenantOf(''), undefined);
  });

  test('loopback hosts, and the refusal to bind elsewhere without tokens', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(host), host);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '10.0.0.1']) assert.ok(!isLoopbackHost(host), host);
    assert.throws(() => assertBindable('0.0.0.0', new TokenTable(new Map())), /FANYI_TOKENS/);
    assert.doesNotThrow(() => assertBindable('0.0.0.0', new TokenTable(parseTokens('aaaaaaaaaaaaaaaa:a'))));
    assert.doesNotThrow(() => assertBindable('127.0.0.1', new TokenTable(new Map())));
  });

  test('displayName keeps the last segment, drops control and bidi characters', () => {
    assert.equal(displayName('../../etc/passwd'), 'passwd');
    assert.equal(displayName('C:\\Users\\x\\book.xlsx'), 'book.xlsx');
    assert.equal(displayName('a\u0000b\r\n\u202ec.xlsx'), 'abc.xlsx');
    assert.equal(displayName('..'), 'upload');
    assert.equal(displayName('.hidden.csv'), 'hidden.csv');
    assert.equal(displayName(undefined), 'upload');
    assert.ok(displayName('x'.repeat(500) + '.xlsx').length <= 120);
  });

  test('toProblem: catalogue codes, schema errors, fastify 4xx; internals never leak', () => {
    assert.deepEqual(toProblem(new FanyiError('FILE_TOO_LARGE', 'too big') as unknown as FastifyError), { statusCode: 413, code: 'FILE_TOO_LARGE', message: 'too big' });
    const validation = Object.assign(new Error('body/x must be string'), { validation: [{ instancePath: '/x', message: 'must be string', params: {} }] });
    assert.equal(toProblem(validation as unknown as FastifyError).statusCode, 400);
    const media = Object.assign(new Error('Unsupported Media Type'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
    assert.deepEqual(toProblem(media as FastifyError), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', message: 'Unsupported Media Type' });
    const internal = toProblem(new Error('SQLITE_BUSY at /secret/path.ts:12') as FastifyError);
    assert.equal(internal.statusCode, 500);
    assert.doesNotMatch(internal.message, /SQLITE|secret/);
  });
});
