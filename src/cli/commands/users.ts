import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { processSecrets } from '../../core/log.js';
import { randomSecret } from '../../labeling/passwords.js';
import { toIso } from '../../core/time.js';
import { createUser, issueToken, listTokens, listUsers, revokeToken, ROLES, roleSchema, setDisabled, setPassword, tokenNameSchema } from '../../labeling/users.js';
import { output, withHub } from '../context.js';
import { table } from '../table.js';

function passwordFromEnv(variable: string): string {
  const value = process.env[variable];
  if (!value) throw new InputError(`environment variable ${variable} (--password-env) is not set`);
  processSecrets.add(value);
  return value;
}

function emptyListHint(crowd: boolean): string {
  return crowd
    ? 'no crowd workers yet: they join through a crowd link (`npx trove projects crowd-link PROJECT`) or a crowd import (`npx trove crowd import PROJECT FILE --format mturk`)'
    : 'no users yet: try `npx trove users add NAME --role annotator`';
}

export function registerUsersCommands(program: Command): void {
  const users = program.command('users').description('manage users: admins, managers, annotators');

  users
    .command('add')
    .description('add a user (without --password-env, a password is generated and printed once)')
    .argument('<name>', 'login name')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .option('--password-env <var>', 'read the password from this environment variable')
    .action(async (name: string, flags: { role: string; passwordEnv?: string }, cmd: Command) => {
      const role = roleSchema.safeParse(flags.role);
      if (!role.success) throw new InputError(`--role must be one of ${ROLES.join(', ')}, got "${flags.role}"`);
      const generated = flags.passwordEnv ? undefined : randomSecret(15);
      const password = flags.passwordEnv ? passwordFromEnv(flags.passwordEnv) : (generated as string);
      const user = await withHub(cmd, (hub) => createUser(hub.store.db, { name, role: role.data, password }));
      output(cmd, { user, ...(generated ? { password: generated } : {}) }, () => `added ${user.role} ${user.name}${generated ? `; password (shown once): ${generated}` : ''}`);
    });

  users
    .command('password')
    .description('set a user password from an environment variable (ends the user\'s sessions)')
    .argument('<name>', 'login name')
    .requiredOption('--password-env <var>', 'environment variable holding the new password')
    .action(async (name: string, flags: { passwordEnv: string }, cmd: Command) => {
      const password = passwordFromEnv(flags.passwordEnv);
      await withHub(cmd, (hub) => setPassword(hub.store.db, name, password));
      output(cmd, { name }, () => `password of ${name} changed; its sessions have ended`);
    });

  users
    .command('list')
    .description('list users')
    .option('--crowd', 'list crowd workers instead of people with logins')
    .action(async (flags: { crowd?: boolean }, cmd: Command) => {
      const list = await withHub(cmd, (hub) => listUsers(hub.store.db, { kind: flags.crowd ? 'crowd' : 'human' }));
      output(cmd, list, () =>
        list.length === 0 ? emptyListHint(flags.crowd === true) : table(['NAME', 'ROLE', 'KIND', 'EXTERNAL ID', 'CREATED'], list.map((u) => [u.name, u.role, u.kind, u.externalId, u.createdAt])),
      );
    });

  users
    .command('token')
    .description('create an API token for scripts (Authorization: Bearer <token>); printed once')
    .argument('<name>', 'login name')
    .option('--name <label>', 'what the token is for, shown by `users tokens`')
    .option('--expires-in-days <days>', 'the token stops working after this many days')
    .action(async (name: string, flags: { name?: string; expiresInDays?: string }, cmd: Command) => {
      const label = flags.name === undefined ? undefined : tokenNameSchema.safeParse(flags.name);
      if (label && !label.success) throw new InputError(`--name "${flags.name}": ${label.error.issues[0]?.message}`);
      const days = flags.expiresInDays === undefined ? undefined : Number(flags.expiresInDays);
      if (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 3650)) throw new InputError(`--expires-in-days must be a whole number from 1 to 3650, got "${flags.expiresInDays}"`);
      const expiresAt = days === undefined ? undefined : toIso(Date.now() + days * 24 * 60 * 60 * 1000);
      const issued = await withHub(cmd, (hub) => issueToken(hub.store.db, name, { name: label?.data, expiresAt }));
      output(cmd, { user: name, token: issued.token, ...issued.info }, () => issued.token);
    });

  users
    .command('tokens')
    .description("list a user's API tokens (never the tokens themselves)")
    .argument('<name>', 'login name')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const tokens = await withHub(cmd, (hub) => listTokens(hub.store.db, name));
      output(cmd, tokens, () =>
        tokens.length === 0 ? `${name} has no API tokens` : table(['ID', 'NAME', 'CREATED', 'EXPIRES', 'LAST USED'], tokens.map((t) => [t.id, t.name, t.createdAt, t.expiresAt ?? 'never', t.lastUsedAt])),
      );
    });

  users
    .command('revoke-token')
    .description('revoke one API token of a user (its ID from `users tokens`)')
    .argument('<name>', 'login name')
    .argument('<id>', 'token id')
    .action(async (name: string, id: string, _flags: unknown, cmd: Command) => {
      const tokenId = Number(id);
      if (!Number.isInteger(tokenId) || tokenId < 1) throw new InputError(`token id must be a positive whole number, got "${id}"`);
      await withHub(cmd, (hub) => revokeToken(hub.store.db, name, tokenId));
      output(cmd, { name, revoked: tokenId }, () => `token ${tokenId} of ${name} revoked`);
    });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    users
      .command(action)
      .description(disabled ? 'disable a user: no login, its sessions end and its tokens stop working' : 'enable a disabled user again')
      .argument('<name>', 'login name')
      .action(async (name: string, _flags: unknown, cmd: Command) => {
        const user = await withHub(cmd, (hub) => setDisabled(hub.store.db, name, disabled));
        output(cmd, { user }, () => `${user.name} ${disabled ? 'disabled' : 'enabled'}`);
      });
  }
}
