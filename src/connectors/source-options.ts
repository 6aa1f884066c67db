import { z } from 'zod';
import { PII_KINDS } from '../core/redact.js';
import { isAllowedSecretEnv, secretEnvRefusal } from './env-secret.js';

export const DEFAULT_USER_AGENT = 'Trove/0.1 (data collector; +https://github.com/trove)';

/**
 * Keys every connector and collector config accepts: opt-in PII redaction, the terms or licence
 * the data comes under, and the User-Agent its requests carry. They are kept in the source's
 * config, so `trove sources show` tells where items came from and on what terms.
 */
export const sourceOptionsShape = {
  redact: z.array(z.enum(PII_KINDS)).optional(),
  licence: z.string().max(2000).optional(),
  userAgent: z.string().min(1).max(500).optional(),
};

/**
 * An environment variable's name as a config key names it, read at run time only; only variables
 * the operator allowed for sources (see env-secret.ts) are accepted.
 */
export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
  .superRefine((name, ctx) => {
    if (!isAllowedSecretEnv(name)) ctx.addIssue({ code: 'custom', message: secretEnvRefusal(name) });
  });
