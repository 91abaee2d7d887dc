import { JiqConfigError } from '@jiq/core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and a loopback server certificate signed by it, in a private temp folder. */
export interface EphemeralCerts {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  remove(): void;
}

/**
 * `jiq cluster --tls`: a throwaway CA for one run, made with the machine's openssl (as
 * deploy/gen-certs.sh does; node:crypto cannot issue certificates). The dispatchers serve the
 * certificate, workers and the load trust the CA; the folder is removed when the run ends.
 */
export function makeEphemeralCerts(): EphemeralCerts {
  const dir = mkdtempSync(join(tmpdir(), 'jiq-cluster-tls-'));
  const openssl = (args: string[]): void => {
    try {
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'openssl is not on PATH' : (err as Error).message.split('\n')[0];
      throw new JiqConfigError('--tls', `cannot make the run's certificates with openssl: ${why}`, undefined, { cause: err });
    }
  };
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...key, '-days', '1', '-subj', '/CN=jiq-cluster-ca', '-keyout', 'ca.key', '-out', 'ca.pem']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(['req', ...key, '-subj', '/CN=dispatcher', '-keyout', 'server.key', '-out', 'server.csr']);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'server.ext', '-out', 'server.pem']);
  return {
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
