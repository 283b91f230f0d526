// Minimal assertions usable in Node and in the browser page (no node:assert there).
export class AssertionError extends Error {}

function show(v) {
  try { return JSON.stringify(v); } catch { return String(v); }
}

export function ok(cond, msg) {
  if (!cond) throw new AssertionError(msg || 'expected a truthy value');
}

export function equal(actual, expected, msg) {
  if (actual !== expected) throw new AssertionError((msg ? msg + ': ' : '') + 'expected ' + show(expected) + ', got ' + show(actual));
}

export function match(actual, re, msg) {
  if (typeof actual !== 'string' || !re.test(actual)) throw new AssertionError((msg ? msg + ': ' : '') + show(actual) + ' does not match ' + re);
}

export async function rejects(promise, check, msg) {
  let err;
  try { await promise; } catch (e) { err = e; }
  if (!err) throw new AssertionError((msg ? msg + ': ' : '') + 'expected a rejection');
  if (check) check(err);
  return err;
}

/** The official error shape: an Error with code, message, error, headers (+statusCode for server errors). */
export function officialError(err, { code, status, messageIncludes } = {}) {
  ok(err instanceof Error, 'error is an Error instance');
  equal(typeof err.message, 'string', 'err.message');
  equal(typeof err.code, 'string', 'err.code');
  ok(err.error && typeof err.error === 'object', 'err.error is an object');
  ok(err.headers && typeof err.headers === 'object', 'err.headers is an object');
  if (code !== undefined) equal(err.code, code, 'err.code');
  if (status !== undefined) equal(err.statusCode, status, 'err.statusCode');
  if (messageIncludes !== undefined) ok(err.message.includes(messageIncludes), 'message "' + err.message + '" should include "' + messageIncludes + '"');
}
