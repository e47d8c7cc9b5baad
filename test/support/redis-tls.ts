/**
 * A private TLS-only redis-server for tests, with throwaway certificates made by `openssl`: a CA,
 * a server certificate for `localhost` / 127.0.0.1 and a client certificate signed by it, and a
 * second, unrelated CA for "wrong CA" tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasRedisServer, MISSING_REDIS_SERVER, spawnRedisOnFreePort } from './redis-server.js';

/** The files (PEM paths) and PEM contents made by {@link makeCertificates}. */
export interface TestCertificates {
  /** The CA certificate that signed the server and client certificates (path). */
  readonly ca: string;
  /** Its PEM, for `tls: { ca }`. */
  readonly caPem: Buffer;
  /** The server certificate (CN `localhost`, SAN DNS:localhost and IP:127.0.0.1) (path). */
  readonly cert: string;
  /** Its private key (path). */
  readonly key: string;
  /** A client certificate (CN `redis-streamer-test-client`, clientAuth) signed by the CA (path). */
  readonly clientCert: string;
  /** Its private key (path). */
  readonly clientKey: string;
  /** The client certificate's PEM, for `tls: { cert }`. */
  readonly clientCertPem: Buffer;
  /** The client key's PEM, for `tls: { key }`. */
  readonly clientKeyPem: Buffer;
  /** An unrelated CA certificate, which signed nothing here (path). */
  readonly wrongCa: string;
  /** Its PEM. */
  readonly wrongCaPem: Buffer;
}

/** Runs openssl, failing with its output. */
function openssl(args: readonly string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`, { cause: error });
  }
}

/** A CA: a self-signed certificate allowed to sign certificates. */
function makeCa(dir: string, name: string, cn: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-nodes',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
}

/** A key and a certificate for `cn` with `extensions`, signed by the CA `ca`. */
function makeSigned(dir: string, name: string, cn: string, extensions: string[]): void {
  openssl(
    [
      'req',
      '-new',
      '-nodes',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${cn}`,
    ],
    dir,
  );
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
}

/**
 * Makes test certificates in `dir` (created if missing) with `openssl` (EC P-256 keys, valid 2
 * days): `ca.crt`, `server.crt` / `server.key` for CN `localhost` with SAN DNS:localhost and
 * IP:127.0.0.1, `client.crt` / `client.key` (both signed by the CA), and `wrong-ca.crt`, a CA that
 * signed none of them. Takes well under a second.
 */
export function makeCertificates(dir: string): TestCertificates {
  mkdirSync(dir, { recursive: true });
  makeCa(dir, 'ca', 'redis-streamer test CA');
  makeCa(dir, 'wrong-ca', 'redis-streamer unrelated CA');
  makeSigned(dir, 'server', 'localhost', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ]);
  makeSigned(dir, 'client', 'redis-streamer-test-client', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ]);
  const path = (name: string): string => join(dir, name);
  return {
    ca: path('ca.crt'),
    caPem: readFileSync(path('ca.crt')),
    cert: path('server.crt'),
    key: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
    clientCertPem: readFileSync(path('client.crt')),
    clientKeyPem: readFileSync(path('client.key')),
    wrongCa: path('wrong-ca.crt'),
    wrongCaPem: readFileSync(path('wrong-ca.crt')),
  };
}

/** Options for {@link startTlsRedis}. */
export interface TlsRedisOptions {
  /** Require clients to present a certificate signed by the CA (`--tls-auth-clients yes`). @default false */
  readonly requireClientCert?: boolean;
  /** Extra redis-server arguments. */
  readonly args?: readonly string[];
}

/** A running TLS-only redis-server, from {@link startTlsRedis}. */
export interface TlsRedis {
  /** Its TLS port (there is no plain port). */
  readonly port: number;
  /** `rediss://localhost:<port>`: the name the server certificate is for. */
  readonly url: string;
  /** Its temporary directory (certificates in `certs/`, `redis.log`). */
  readonly dir: string;
  /** The certificates it was started with. */
  readonly certs: TestCertificates;
  /** The server's process id. */
  readonly pid: number;
  /** Kills it and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Makes certificates ({@link makeCertificates}) in a new temporary directory and starts
 * `redis-server --port 0 --tls-port <free port> --tls-cert-file ... --tls-key-file ...
 * --tls-ca-cert-file ... --tls-auth-clients yes|no` on 127.0.0.1, ready once it answers PING over
 * TLS (checked with the client certificate and `servername: 'localhost'`). Prints nothing; on
 * failure removes the directory and rejects with the log's tail.
 */
export async function startTlsRedis(options: TlsRedisOptions = {}): Promise<TlsRedis> {
  if (!hasRedisServer()) throw new Error(MISSING_REDIS_SERVER);
  const dir = mkdtempSync(join(tmpdir(), 'rs-tls-'));
  try {
    const certs = makeCertificates(join(dir, 'certs'));
    const logFile = join(dir, 'redis.log');
    const server = await spawnRedisOnFreePort((port) => {
      rmSync(logFile, { force: true }); // only this attempt's log
      return {
        port,
        logFile,
        tls: { ca: certs.caPem, cert: certs.clientCertPem, key: certs.clientKeyPem, servername: 'localhost' },
        args: [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--logfile',
          logFile,
          '--daemonize',
          'no',
          '--save',
          '',
          '--appendonly',
          'no',
          '--tls-cert-file',
          certs.cert,
          '--tls-key-file',
          certs.key,
          '--tls-ca-cert-file',
          certs.ca,
          '--tls-auth-clients',
          options.requireClientCert === true ? 'yes' : 'no',
          ...(options.args ?? []),
        ],
      };
    });
    let stopped = false;
    return {
      port: server.port,
      url: `rediss://localhost:${server.port}`,
      dir,
      certs,
      get pid() {
        return server.pid;
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`TLS redis-server failed to start: ${message}`, { cause: error });
  }
}
