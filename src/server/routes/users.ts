import { Router } from 'express';
import { z } from 'zod';
import { toIso } from '../../core/time.js';
import type { Hub } from '../../hub.js';
import { createUser, issueToken, listTokens, listUsers, revokeToken, roleSchema, setDisabled, tokenNameSchema } from '../../labeling/users.js';
import { forgetCredentials } from '../auth.js';
import { parseInput } from '../validate.js';

const createBody = z.object({ name: z.string().min(1), role: roleSchema, password: z.string().min(1).max(1000) });
const tokenBody = z.object({ name: tokenNameSchema.optional(), expiresInDays: z.number().int().min(1).max(3650).optional() }).strict();
const tokenId = z.coerce.number().int().positive();
const DAY_MS = 24 * 60 * 60 * 1000;

/** Users and their API tokens (admins only: src/server/access.ts). */
export function usersRouter(hub: Hub): Router {
  const r = Router();
  const db = hub.store.db;

  r.get('/users', async (req, res) => {
    const kind = req.query.kind === 'crowd' || req.query.kind === 'human' ? req.query.kind : undefined;
    res.json({ users: await listUsers(db, { kind }) });
  });

  r.post('/users', async (req, res) => {
    const body = parseInput(createBody, req.body, 'user');
    res.status(201).json({ user: await createUser(db, body) });
  });

  r.post('/users/:name/tokens', async (req, res) => {
    const body = parseInput(tokenBody, req.body ?? {}, 'token');
    const expiresAt = body.expiresInDays === undefined ? undefined : toIso(Date.now() + body.expiresInDays * DAY_MS);
    const issued = await issueToken(db, String(req.params.name), { name: body.name, expiresAt });
    res.status(201).json({ token: issued.token, ...issued.info });
  });

  r.get('/users/:name/tokens', async (req, res) => {
    res.json({ tokens: await listTokens(db, String(req.params.name)) });
  });

  r.delete('/users/:name/tokens/:id', async (req, res) => {
    await revokeToken(db, String(req.params.name), parseInput(tokenId, req.params.id, 'token id'));
    forgetCredentials(hub);
    res.status(204).end();
  });

  for (const action of ['disable', 'enable'] as const) {
    r.post(`/users/:name/${action}`, async (req, res) => {
      const user = await setDisabled(db, String(req.params.name), action === 'disable');
      forgetCredentials(hub);
      res.json({ user });
    });
  }

  return r;
}
