// What the SDK flow scripts share: a failed check, and reading their settings from the environment.

import process from 'node:process';

/** A check that did not hold; the message says which and why. */
export class Failure extends Error {}

export function fail(message) {
  throw new Failure(message);
}

export function env(name) {
  const value = process.env[name];
  if (!value) fail(`environment variable ${name} is not set`);
  return value;
}
