import { InputError } from '../core/errors.js';
import { processSecrets } from '../core/log.js';

/** Variables with this prefix hold credentials that source configs may name. */
export const SECRET_ENV_PREFIX = 'TROVE_SECRET_';
/** A comma-separated list of further variables the operator lets source configs name. */
export const SECRET_ENV_LIST = 'TROVE_SECRET_VARS';

/**
 * Trove's own settings (the admin password, the serving key, the store's URL, PostgreSQL's client
 * variables): no config may name them, whatever the operator's list says, because a config's
 * author chooses where the value is sent.
 */
function isOwnVariable(name: string): boolean {
  const upper = name.toUpperCase();
  if (upper.startsWith(SECRET_ENV_PREFIX)) return upper === SECRET_ENV_LIST;
  return upper.startsWith('TROVE_') || upper === 'DATABASE_URL' || upper.startsWith('PG');
}

function listedVariables(env: NodeJS.ProcessEnv): Set<string> {
  return new Set((env[SECRET_ENV_LIST] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

/** Whether a source config may read this variable: it has the secret prefix or the operator listed it, and it is not Trove's own. */
export function isAllowedSecretEnv(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (isOwnVariable(name)) return false;
  return name.startsWith(SECRET_ENV_PREFIX) || listedVariables(env).has(name);
}

/** Why a variable is refused. */
export function secretEnvRefusal(name: string): string {
  return isOwnVariable(name)
    ? `${name} is one of Trove's own settings and cannot be read by a source`
    : `environment variable ${name} is not allowed for sources: name one starting with ${SECRET_ENV_PREFIX}, or have the operator list it in ${SECRET_ENV_LIST}`;
}

/**
 * Reads a credential from the environment variable a config names, if the operator allowed it.
 * The value is registered as a secret at once, so no log line or error message can print it.
 */
export function readSecretEnv(name: string, configKey: string): string {
  if (!isAllowedSecretEnv(name)) throw new InputError(`${configKey}: ${secretEnvRefusal(name)}`, { field: configKey });
  return readEnvValue(name, configKey);
}

export function optionalSecretEnv(name: string | undefined, configKey: string): string | undefined {
  return name === undefined ? undefined : readSecretEnv(name, configKey);
}

/**
 * A service's well-known credential variable (HF_TOKEN, KAGGLE_KEY), read without the allow-list
 * only when the request goes to that service's own API: a config that points the API base
 * elsewhere gets it only if the operator allowed the variable.
 */
export function readServiceCredential(name: string, configKey: string, toOwnApi: boolean): string {
  return toOwnApi ? readEnvValue(name, configKey) : readSecretEnv(name, configKey);
}

function readEnvValue(name: string, configKey: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new InputError(`${configKey}: environment variable ${name} is not set`);
  processSecrets.add(value);
  return value;
}
