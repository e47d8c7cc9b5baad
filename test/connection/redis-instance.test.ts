/**
 * RedisInstance: URL parsing, option precedence, defaults, validation, and that the password never
 * shows in its printable forms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { format, inspect } from 'node:util';
import { RedisInstance } from '../../src/connection/redis-instance.js';
import { ConfigError } from '../../src/errors.js';

const SECRET = 'Zq9xSecretPw';

function isConfigError(pattern?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'ERR_CONFIG');
    if (pattern !== undefined) assert.match(err.message, pattern);
    return true;
  };
}

/** Every printable form of a value. */
function printables(value: unknown): string[] {
  return [
    String(value),
    `${String(value)}`,
    JSON.stringify(value),
    JSON.stringify({ redis: value }),
    inspect(value),
    inspect({ nested: { redis: value } }, { depth: 10 }),
    inspect(value, { showHidden: true }),
    format('%s %o %O %j', value, value, value, value),
  ];
}

void describe('RedisInstance defaults', () => {
  void it('is 127.0.0.1:6379 db 0 with a 10 s connect timeout', () => {
    const r = new RedisInstance();
    assert.equal(r.host, '127.0.0.1');
    assert.equal(r.port, 6379);
    assert.equal(r.db, 0);
    assert.deepEqual(r.ioredisOptions(), { host: '127.0.0.1', port: 6379, db: 0, connectTimeout: 10_000 });
    assert.equal(String(r), 'redis://127.0.0.1:6379/0');
  });

  void it('fills what the URL leaves out', () => {
    const r = new RedisInstance('redis://cache.local');
    assert.deepEqual(r.ioredisOptions(), { host: 'cache.local', port: 6379, db: 0, connectTimeout: 10_000 });
    assert.equal(new RedisInstance('redis://cache.local/').db, 0);
  });
});

void describe('RedisInstance URL parsing', () => {
  void it('reads host, port and db', () => {
    const r = new RedisInstance('redis://cache.local:6380/4');
    assert.equal(r.host, 'cache.local');
    assert.equal(r.port, 6380);
    assert.equal(r.db, 4);
    assert.equal(String(r), 'redis://cache.local:6380/4');
  });

  void it('sets TLS for rediss://', () => {
    const r = new RedisInstance('rediss://cache.local:6380');
    assert.deepEqual(r.ioredisOptions().tls, {});
    assert.equal(String(r), 'rediss://cache.local:6380/0');
    assert.equal(new RedisInstance('redis://cache.local').ioredisOptions().tls, undefined);
    assert.equal('tls' in new RedisInstance('redis://cache.local').ioredisOptions(), false);
  });

  void it('refuses a URL without redis:// or rediss://, saying how to write a host and port', () => {
    assert.throws(
      () => new RedisInstance('localhost:6390'),
      (err: Error) =>
        err instanceof ConfigError &&
        err.message ===
          'Redis URL must start with redis:// or rediss://: write redis://localhost:6390, not localhost:6390',
    );
    assert.throws(
      () => new RedisInstance('http://cache.local'),
      /must start with redis:\/\/ or rediss:\/\/, got http:\/\//,
    );
  });

  void it('reads user and password', () => {
    const o = new RedisInstance(`redis://alice:${SECRET}@cache.local:6379/2`).ioredisOptions();
    assert.equal(o.username, 'alice');
    assert.equal(o.password, SECRET);
    assert.equal(o.db, 2);
  });

  void it('reads a password without a user', () => {
    const o = new RedisInstance(`redis://:${SECRET}@cache.local`).ioredisOptions();
    assert.equal(o.password, SECRET);
    assert.equal('username' in o, false);
  });

  void it('reads a user without a password', () => {
    const o = new RedisInstance('redis://alice@cache.local').ioredisOptions();
    assert.equal(o.username, 'alice');
    assert.equal('password' in o, false);
  });

  void it('decodes a percent-encoded password holding / @ : and more', () => {
    const password = 'p/a@s:s w%d?#';
    const url = `redis://al%40ice:${encodeURIComponent(password)}@cache.local:6379/1`;
    const o = new RedisInstance(url).ioredisOptions();
    assert.equal(o.password, password);
    assert.equal(o.username, 'al@ice');
    assert.equal(o.host, 'cache.local');
    assert.equal(o.db, 1);
    assert.equal(new RedisInstance('redis://:a%2Fb%40c%3Ad@h').ioredisOptions().password, 'a/b@c:d');
  });

  void it('reads an IPv6 host without brackets and prints it with them', () => {
    const r = new RedisInstance('redis://[::1]:6380/3');
    assert.equal(r.host, '::1');
    assert.equal(r.port, 6380);
    assert.equal(r.db, 3);
    assert.equal(r.ioredisOptions().host, '::1');
    assert.equal(String(r), 'redis://[::1]:6380/3');
    assert.equal(new RedisInstance('redis://[::1]').port, 6379);
  });

  void it('refuses a setting given both in the URL and as an option, naming both', () => {
    const url = `rediss://alice:${SECRET}@cache.local:6380/4`;
    const given = { host: 'other.local', port: 7000, db: 9, username: 'bob', password: 'override' } as const;
    for (const [key, value] of Object.entries(given)) {
      assert.throws(
        () => new RedisInstance({ url, [key]: value }),
        (err: unknown) =>
          err instanceof ConfigError &&
          err.message.includes(`\`${key}\``) &&
          err.message.includes('`url`') &&
          !err.message.includes(SECRET),
        key,
      );
    }
    assert.throws(() => new RedisInstance({ url, tls: false }), /tls: false.*rediss/);
  });

  void it('takes from the options what the URL leaves out', () => {
    const o = new RedisInstance({ url: 'redis://alice@cache.local', port: 6380, db: 1, password: SECRET });
    assert.deepEqual(o.ioredisOptions(), {
      host: 'cache.local',
      port: 6380,
      db: 1,
      username: 'alice',
      password: SECRET,
      connectTimeout: 10_000,
    });
  });

  void it('refuses a URL with a malformed percent-escape without showing the password', () => {
    for (const url of ['redis://u:p%ZZ@h', `redis://u:${SECRET}%@h:6379`, 'redis://u%E0%A4%A@h']) {
      assert.throws(
        () => new RedisInstance(url),
        (err: unknown) =>
          err instanceof ConfigError &&
          /percent-escape/.test(err.message) &&
          !/p%ZZ|%@h/.test(err.message) &&
          !err.message.includes(SECRET),
        url,
      );
    }
  });

  void it('passes TLS options through', () => {
    const tls = { servername: 'cache.example', rejectUnauthorized: true };
    assert.equal(new RedisInstance({ host: 'h', tls }).ioredisOptions().tls, tls);
    assert.deepEqual(new RedisInstance({ host: 'h', tls: true }).ioredisOptions().tls, {});
    assert.equal(new RedisInstance({ url: 'redis://h', tls }).ioredisOptions().tls, tls);
  });

  void it('builds ioredis options from plain options', () => {
    assert.deepEqual(new RedisInstance({ host: '10.0.0.5', port: 6390, db: 7, password: SECRET }).ioredisOptions(), {
      host: '10.0.0.5',
      port: 6390,
      db: 7,
      password: SECRET,
      connectTimeout: 10_000,
    });
  });
});

void describe('RedisInstance validation', () => {
  void it('refuses unknown options instead of silently connecting to 127.0.0.1:6379', () => {
    assert.throws(() => new RedisInstance({ hots: 'redis.internal' } as never), isConfigError(/did you mean `host`/));
    assert.throws(() => new RedisInstance({ cluster: [{ host: 'a' }] } as never), isConfigError(/cluster/i));
    assert.throws(
      () => new RedisInstance({ password: 12345 } as never),
      isConfigError(/`password` must be a string \(the value is not shown\)/),
    );
  });

  void it('rejects a string that is not a URL', () => {
    for (const url of ['not a url', '', 'cache.local:6379']) {
      assert.throws(() => new RedisInstance(url), isConfigError(), url);
    }
  });

  void it('rejects other protocols', () => {
    for (const url of ['http://cache.local', 'tcp://cache.local:6379', 'unix:///tmp/redis.sock']) {
      assert.throws(() => new RedisInstance(url), isConfigError(/redis:\/\/ or rediss:\/\//), url);
    }
  });

  void it('rejects a bad port in the URL', () => {
    for (const url of ['redis://cache.local:70000', 'redis://cache.local:port', 'redis://cache.local:-1']) {
      assert.throws(() => new RedisInstance(url), isConfigError(), url);
    }
  });

  void it('rejects a bad db in the URL', () => {
    for (const url of [
      'redis://cache.local/abc',
      'redis://cache.local/-1',
      'redis://cache.local/1.5',
      'redis://h/0/1',
    ]) {
      assert.throws(() => new RedisInstance(url), isConfigError(/db/), url);
    }
  });

  void it('rejects a bad port, db or connectTimeoutMs in the options', () => {
    for (const port of [-1, 65536, 1.5, NaN]) {
      assert.throws(() => new RedisInstance({ port }), isConfigError(/port/), String(port));
    }
    for (const db of [-1, 0.5, NaN]) {
      assert.throws(() => new RedisInstance({ db }), isConfigError(/db/), String(db));
    }
    for (const connectTimeoutMs of [0, -5, NaN]) {
      assert.throws(() => new RedisInstance({ connectTimeoutMs }), isConfigError(/connectTimeoutMs/));
    }
  });
});

void describe('RedisInstance never shows the password', () => {
  const cases: Array<[string, RedisInstance]> = [
    ['URL with user', new RedisInstance(`redis://alice:${SECRET}@cache.local:6380/2`)],
    ['URL without user', new RedisInstance(`rediss://:${SECRET}@cache.local`)],
    ['URL with encoded password', new RedisInstance(`redis://:${SECRET}%2F%40x@cache.local`)],
    ['options', new RedisInstance({ host: 'cache.local', username: 'alice', password: SECRET })],
  ];

  for (const [label, r] of cases) {
    void it(`masks it in toString, JSON and inspect (${label})`, () => {
      assert.equal(r.ioredisOptions().password?.startsWith(SECRET), true, 'the password is kept for connecting');
      for (const text of printables(r)) {
        assert.ok(!text.includes(SECRET), `password shown in: ${text}`);
        assert.ok(text.includes('***'), `no mask in: ${text}`);
      }
    });
  }

  void it('prints the masked URL', () => {
    assert.equal(String(cases[0]![1]), 'redis://alice:***@cache.local:6380/2');
    assert.equal(String(cases[1]![1]), 'rediss://:***@cache.local:6379/0');
    assert.equal(JSON.stringify(cases[3]![1]), '"redis://alice:***@cache.local:6379/0"');
    assert.equal(inspect(cases[3]![1]), 'RedisInstance <redis://alice:***@cache.local:6379/0>');
  });

  void it('shows a user without a password and no mask', () => {
    assert.equal(String(new RedisInstance('redis://alice@cache.local')), 'redis://alice@cache.local:6379/0');
  });

  void it('masks it in the error for a URL that does not parse', () => {
    for (const url of [
      `redis://alice:${SECRET}@cache.local:99999/0`,
      `redis://:${SECRET}@cache.local:port`,
      // dtpyfw builds URLs with urllib.parse.quote, which leaves '/' unescaped (dtpyfw-behaviour.md §4),
      // so a password holding '/' reaches us raw and makes the URL unparseable.
      `redis://alice:${SECRET}/x@cache.local:6379/0`,
      `redis://:x/${SECRET}@cache.local`,
    ]) {
      assert.throws(
        () => new RedisInstance(url),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.ok(!err.message.includes(SECRET), `password shown in: ${err.message}`);
          return true;
        },
        url,
      );
    }
  });
});

void describe('RedisInstance: cluster and Sentinel', () => {
  void it('takes a list of node URLs as a cluster, the login from the URLs, and masks the password', () => {
    const r = new RedisInstance([`redis://svc:${SECRET}@10.0.0.1:7000`, 'redis://10.0.0.2:7001']);
    assert.equal(r.kind, 'cluster');
    assert.equal(r.host, '10.0.0.1');
    assert.equal(r.port, 7000);
    assert.equal(String(r), 'redis+cluster://svc:***@10.0.0.1:7000,10.0.0.2:7001');
    assert.ok(!inspect(r).includes(SECRET));
    assert.equal(r.ioredisOptions().password, SECRET);
  });

  void it('takes cluster nodes as host:port strings or objects, with TLS from the options', () => {
    const r = new RedisInstance({ cluster: ['h1:7000', { host: 'h2', port: 7001 }], tls: { servername: 'redis' } });
    assert.equal(String(r), 'rediss+cluster://h1:7000,h2:7001');
  });

  void it('refuses a database other than 0 on a cluster, and malformed nodes', () => {
    assert.throws(() => new RedisInstance({ cluster: ['h:7000'], db: 3 }), isConfigError(/only database 0/));
    assert.throws(() => new RedisInstance({ cluster: ['nohost'] }), isConfigError(/cluster\[0\] must be "host:port"/));
    assert.throws(
      () => new RedisInstance({ cluster: ['h:7000'], sentinels: ['s:26379'], primaryName: 'm' }),
      isConfigError(/not both/),
    );
  });

  void it('takes sentinels with a primary name, and requires the name', () => {
    const r = new RedisInstance({ sentinels: ['s1:26379', 's2:26380'], primaryName: 'mymaster', password: SECRET });
    assert.equal(r.kind, 'sentinel');
    assert.equal(String(r), 'redis+sentinel://:***@s1:26379,s2:26380/mymaster/0');
    const o = r.ioredisOptions();
    assert.equal(o.name, 'mymaster');
    assert.deepEqual(o.sentinels, [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ]);
    assert.throws(() => new RedisInstance({ sentinels: ['s1:26379'] }), isConfigError(/primaryName/));
  });
});
