import { InputError } from '../core/errors.js';

export const MIN_PASSWORD_LENGTH = 8;

/**
 * Passwords guessed first by anyone trying (the top of the lists leaked passwords give, and
 * their obvious variants); compared without case.
 */
const COMMON_PASSWORDS = new Set([
  '12345678', '123456789', '1234567890', '0123456789', '87654321', '11111111', '00000000', '12341234', '11223344',
  '123123123', '147258369', 'password', 'password1', 'password12', 'password123', 'passw0rd', 'p@ssw0rd', 'p@ssword',
  'qwertyui', 'qwertyuiop', 'qwerty123', 'qwerty12', '1q2w3e4r', '1q2w3e4r5t', 'q1w2e3r4', 'asdfghjk', 'asdfghjkl',
  'zxcvbnm1', 'iloveyou', 'iloveyou1', 'sunshine', 'princess', 'football', 'baseball', 'superman', 'starwars',
  'welcome1', 'welcome123', 'letmein1', 'trustno1', 'abcd1234', 'abc12345', 'abcdefgh', 'aa123456', 'admin123',
  'administrator', 'changeme', 'changeme1', 'monkey123', 'dragon123', 'master123', 'computer', 'whatever',
  'trove123', 'troveadmin',
]);

/** What is wrong with a password for this user, or undefined when it may be used. */
function weakness(password: string, userName: string): string | undefined {
  if (password.trim().length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters, not counting spaces around it`;
  if (new Set(password).size < 4) return 'must use at least 4 different characters';
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return 'is one of the most common passwords';
  if (lower.includes(userName.toLowerCase())) return 'must not contain the user name';
  return undefined;
}

/** Refuses a password anyone would guess early, for every role (admins included). */
export function checkPassword(password: string, userName: string): void {
  const problem = weakness(password, userName);
  if (problem) throw new InputError(`password ${problem}`, { field: 'password' });
}
