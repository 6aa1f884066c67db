import { InputError } from '../core/errors.js';
import { processSecrets } from '../core/log.js';

/**
 * Reads a credential from the environment variable a config names. The value is registered as a
 * secret at once, so no log line or error message can print it.
 */
export function readSecretEnv(name: string, configKey: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new InputError(`${configKey}: environment variable ${name} is not set`);
  processSecrets.add(value);
  return value;
}

export function optionalSecretEnv(name: string | undefined, configKey: string): string | undefined {
  return name === undefined ? undefined : readSecretEnv(name, configKey);
}
