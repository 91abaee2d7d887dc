import type { ScaleOut } from '../scale-out';
import type { EphemeralCerts } from './ephemeral-certs';
import { AUTH_TOKEN_ENV } from '../security-flags';

/**
 * How `jiq cluster` hands its children their secrets: the run's auth token, the broker URLs
 * (which may hold passwords: redis://user:pass@...) and the NATS password go through the
 * environment — argv is visible to every local user through ps; credential files go by path.
 */
export function childSecurity(scale: ScaleOut, authToken: string, baseEnv: NodeJS.ProcessEnv | undefined): { args: string[]; env: NodeJS.ProcessEnv } {
  const nc = scale.natsCredentials;
  const fileFlag = (flag: string, value: string | undefined): string[] => (value !== undefined ? [flag, value] : []);
  return {
    args: [
      ...fileFlag('--nats-creds', nc?.credsFile), ...fileFlag('--nats-user', nc?.user), ...fileFlag('--nats-token-file', nc?.tokenFile),
      ...fileFlag('--nats-nkey-seed-file', nc?.nkeySeedFile), ...fileFlag('--nats-tls-ca', nc?.tlsCaFile),
      ...fileFlag('--nats-tls-cert', nc?.tlsCertFile), ...fileFlag('--nats-tls-key', nc?.tlsKeyFile),
      ...fileFlag('--redis-tls-ca', scale.redisTlsCaFile),
    ],
    env: {
      ...baseEnv,
      [AUTH_TOKEN_ENV]: authToken,
      ...(scale.natsUrl !== undefined ? { JIQ_NATS_URL: scale.natsUrl } : {}),
      ...(scale.redisUrl !== undefined ? { JIQ_REDIS_URL: scale.redisUrl } : {}),
      ...(nc?.pass !== undefined ? { JIQ_NATS_PASS: nc.pass } : {}),
    },
  };
}

/** `jiq cluster --tls`: what each role is given of the run's certificates (paths, not contents). */
export function childTlsArgs(role: 'dispatcher' | 'worker', certs: EphemeralCerts | undefined): string[] {
  if (!certs) return [];
  return role === 'dispatcher' ? ['--tls-cert', certs.certFile, '--tls-key', certs.keyFile] : ['--tls-ca', certs.caFile];
}
