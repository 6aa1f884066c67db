import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { processSecrets } from '../../core/log.js';
import { randomSecret } from '../../labeling/passwords.js';
import { createToken, createUser, listUsers, ROLES, roleSchema, setPassword } from '../../labeling/users.js';
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
    .description('set a user password from an environment variable')
    .argument('<name>', 'login name')
    .requiredOption('--password-env <var>', 'environment variable holding the new password')
    .action(async (name: string, flags: { passwordEnv: string }, cmd: Command) => {
      const password = passwordFromEnv(flags.passwordEnv);
      await withHub(cmd, (hub) => setPassword(hub.store.db, name, password));
      output(cmd, { name }, () => `password of ${name} changed`);
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
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      const token = await withHub(cmd, (hub) => createToken(hub.store.db, name));
      output(cmd, { name, token }, () => token);
    });
}
