import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/transport-node';

type KeyPair = ReturnType<typeof nkeys.createUser>;

export interface TestJwts {
  readonly dir: string;
  /** For the server: `operator` and `resolver_preload`. */
  readonly operatorJwt: string;
  readonly accountJwts: Readonly<Record<string, string>>;
  readonly systemAccount: string;
  /** A `.creds` file of a user of that account, as nsc writes it. */
  readonly credsFile: string;
  /** The same user's JWT with a seed that does not match it. */
  readonly wrongCredsFile: string;
}

const b64url = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/**
 * A NATS JWT (v2) as nsc makes it: `{typ: JWT, alg: ed25519-nkey}`, the claims, and the
 * issuer's Ed25519 signature over both; jti is a hash of the claims without it (nsc uses
 * SHA-512/256 in base32; the server only reads it as an id).
 */
function sign(issuer: KeyPair, subject: string, name: string, nats: Record<string, unknown>): string {
  const claims: Record<string, unknown> = { iat: Math.floor(Date.now() / 1000), iss: issuer.getPublicKey(), name, sub: subject, nats: { ...nats, version: 2 } };
  claims.jti = createHash('sha256').update(JSON.stringify(claims)).digest('base64url');
  const signed = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'ed25519-nkey' }))}.${b64url(JSON.stringify(claims))}`;
  return `${signed}.${b64url(issuer.sign(new TextEncoder().encode(signed)))}`;
}

function creds(jwt: string, seed: Uint8Array): string {
  return [
    '-----BEGIN NATS USER JWT-----',
    jwt,
    '------END NATS USER JWT------',
    '',
    '-----BEGIN USER NKEY SEED-----',
    text(seed),
    '------END USER NKEY SEED------',
    '',
  ].join('\n');
}

/**
 * An operator, a system account and an account with JetStream (no limits) signed by it, and a
 * user of that account, made with the client's nkeys (no nsc, no @nats-io/jwt).
 */
export function makeTestJwts(): TestJwts {
  const operator = nkeys.createOperator();
  const system = nkeys.createAccount();
  const account = nkeys.createAccount();
  const user = nkeys.createUser();
  const unlimited = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
  const jetStream = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
  const operatorJwt = sign(operator, operator.getPublicKey(), 'hopbus-test-operator', { type: 'operator' });
  const systemJwt = sign(operator, system.getPublicKey(), 'SYS', { type: 'account', limits: unlimited });
  const accountJwt = sign(operator, account.getPublicKey(), 'hopbus-test-account', { type: 'account', limits: { ...unlimited, ...jetStream } });
  const userJwt = sign(account, user.getPublicKey(), 'hopbus-test-user', { type: 'user', pub: {}, sub: {}, subs: -1, data: -1, payload: -1 });
  const dir = mkdtempSync(join(tmpdir(), 'hopbus-jwt-'));
  const credsFile = join(dir, 'user.creds');
  const wrongCredsFile = join(dir, 'wrong.creds');
  writeFileSync(credsFile, creds(userJwt, user.getSeed()), { mode: 0o600 });
  writeFileSync(wrongCredsFile, creds(userJwt, nkeys.createUser().getSeed()), { mode: 0o600 });
  return { dir, operatorJwt, accountJwts: { [system.getPublicKey()]: systemJwt, [account.getPublicKey()]: accountJwt }, systemAccount: system.getPublicKey(), credsFile, wrongCredsFile };
}
