import test from 'ava';
import { SignJWT } from 'jose';
import { AppError } from '../../config/errors.ts';
import { createTokenVerifier, signToken } from '../../server/auth/tokens.ts';

const SECRET = 'unit-secret-unit-secret-unit-secret-0123';
const verify = createTokenVerifier(SECRET, 0);
const key = new TextEncoder().encode(SECRET);
const inMinutes = (m: number) => Math.floor(Date.now() / 1000) + m * 60;

test('a signed token yields the principal with its optional limits', async (t) => {
  const token = await signToken(SECRET, { userId: 'alice', ttlSeconds: 60, maxSize: 1000, allowedTypes: ['image/*'] });
  t.deepEqual(await verify(token), { userId: 'alice', maxSize: 1000, allowedTypes: ['image/*'] });
});

test('allowed_types may be a comma-separated string', async (t) => {
  const token = await new SignJWT({ allowed_types: 'image/png, image/jpeg' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bob').setExpirationTime(inMinutes(1)).sign(key);
  t.deepEqual((await verify(token)).allowedTypes, ['image/png', 'image/jpeg']);
});

test('rejections carry the right codes', async (t) => {
  const expired = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime(inMinutes(-1)).sign(key);
  await t.throwsAsync(verify(expired), { instanceOf: AppError, message: /expired/ });
  const hs512 = await new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject('a').setExpirationTime(inMinutes(1)).sign(new TextEncoder().encode(SECRET.repeat(2)));
  await t.throwsAsync(verify(hs512), { instanceOf: AppError, message: /invalid/ });
  for (const claims of [{ max_size: -1 }, { max_size: 'big' }, { allowed_types: ['not a type'] }]) {
    const bad = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime(inMinutes(1)).sign(key);
    const err = await t.throwsAsync(verify(bad), { instanceOf: AppError });
    t.is(err.code, 'UNAUTHENTICATED');
  }
});

test('subjects must be path-safe', async (t) => {
  for (const sub of ['../x', 'a/b', '.hidden', '', 'x'.repeat(129)]) {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime(inMinutes(1)).sign(key);
    await t.throwsAsync(verify(token), { instanceOf: AppError }, sub);
  }
  await t.throwsAsync(signToken(SECRET, { userId: '../x', ttlSeconds: 1 }));
});

test('a verified token is remembered only until it expires, and only byte for byte', async (t) => {
  const exp = Math.floor(Date.now() / 1000) + 2;
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('carol').setExpirationTime(exp).sign(key);
  t.is((await verify(token)).userId, 'carol');
  t.is((await verify(token)).userId, 'carol'); // from the cache
  const [header, payload, signature] = token.split('.');
  const tampered = `${header}.${payload}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BB' : 'AA'}`;
  await t.throwsAsync(verify(tampered), { instanceOf: AppError, message: /invalid/ });
  while (Date.now() / 1000 < exp + 0.05) await new Promise((r) => setTimeout(r, 100));
  await t.throwsAsync(verify(token), { instanceOf: AppError, message: /expired/ });
});
