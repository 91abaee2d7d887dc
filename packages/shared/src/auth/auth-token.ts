import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { JiqConfigError } from '@jiq/core';

/** Shortest secret accepted: 16 characters (a generated token has 43). */
const MIN_SECRET_LENGTH = 16;

/**
 * A shared secret kept only as its SHA-256 digest. Comparing digests of equal length with
 * crypto.timingSafeEqual takes the same time whatever the presented value, so neither the
 * secret's length nor a matching prefix leaks through response times.
 */
export class AuthSecret {
  private readonly digest: Buffer;

  private constructor(secret: string) {
    this.digest = sha256(secret);
  }

  /** Refuses an empty or short secret (field names the flag or option it came from). */
  static of(secret: string, field: string): AuthSecret {
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new JiqConfigError(field, `must be at least ${MIN_SECRET_LENGTH} characters (generate one with \`openssl rand -base64 32\`)`, `${secret.length} characters`);
    }
    if (/\s/.test(secret)) throw new JiqConfigError(field, 'must not contain whitespace');
    return new AuthSecret(secret);
  }

  matches(presented: string | undefined): boolean {
    return presented !== undefined && presented !== '' && timingSafeEqual(this.digest, sha256(presented));
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** Reads a secret from a file (one line; surrounding whitespace dropped), naming the flag on error. */
export function readSecretFile(path: string, field: string): string {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new JiqConfigError(field, `cannot read the file: ${(err as Error).message}`, path, { cause: err });
  }
  const secret = raw.trim();
  if (secret === '') throw new JiqConfigError(field, 'the file is empty', path);
  return secret;
}

/** A fresh random token (256 bits, base64url). */
export function generateAuthToken(): string {
  return randomBytes(32).toString('base64url');
}
