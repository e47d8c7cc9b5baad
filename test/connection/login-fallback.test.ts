/**
 * Which part of a login a node-redis connection drops when the server refuses it as not needed
 * (node-redis-handshake.ts). The servers of the suite are Redis 7: the reply of a Redis before 6 to
 * a user name is checked here on the function, the others also live (node-redis.test.ts, the
 * cluster and Sentinel files of test/scale-out).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutUnneededLogin } from '../../src/connection/node-redis-handshake.js';
import type { NodeRedisClientOptions } from '../../src/connection/node-redis-library.js';

const base: NodeRedisClientOptions = {
  socket: { host: '127.0.0.1', port: 6379 },
  RESP: 2,
  disableClientInfo: true,
  maintNotifications: 'disabled',
  commandOptions: { timeout: undefined },
};
const login = { ...base, username: 'billing', password: 's3cret' };
const reply = (message: string): Error => new Error(message);

describe('withoutUnneededLogin', () => {
  it('drops user and password when the default user needs no password', () => {
    const err = reply('ERR AUTH <password> called without any password configured for the default user.');
    const plain = withoutUnneededLogin({ ...login, credentialsProvider: {} } as NodeRedisClientOptions, err);
    assert.ok(plain !== undefined);
    assert.equal(plain.options.password, undefined);
    assert.equal(plain.options.username, undefined);
    assert.ok(!('credentialsProvider' in plain.options), "node-redis's provider made of them goes too");
    assert.match(plain.warning, /did not take the login/);
    assert.ok(!plain.warning.includes('s3cret'));
  });

  it('keeps the password when a Redis before 6 refused the user name (it may need the password)', () => {
    const plain = withoutUnneededLogin(login, reply("ERR wrong number of arguments for 'auth' command"));
    assert.ok(plain !== undefined);
    assert.equal(plain.options.password, 's3cret');
    assert.equal(plain.options.username, undefined);
    assert.match(plain.warning, /password only/);
    assert.equal(
      withoutUnneededLogin({ ...base, password: 's3cret' }, reply("ERR wrong number of arguments for 'auth' command")),
      undefined,
      'without a user name there is nothing to drop',
    );
  });

  it('keeps the login for any other failure: a wrong password, a refused user, a network error, no login', () => {
    for (const message of [
      'WRONGPASS invalid username-password pair',
      'NOPERM this user has no permissions',
      'ECONNREFUSED',
    ]) {
      assert.equal(withoutUnneededLogin(login, reply(message)), undefined, message);
    }
    assert.equal(
      withoutUnneededLogin(base, reply('ERR AUTH <password> called without any password configured')),
      undefined,
    );
  });
});
