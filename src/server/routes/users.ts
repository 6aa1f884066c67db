import { Router } from 'express';
import { z } from 'zod';
import type { Hub } from '../../hub.js';
import { createToken, createUser, listUsers, roleSchema } from '../../labeling/users.js';
import { parseInput } from '../validate.js';

const createBody = z.object({ name: z.string().min(1), role: roleSchema, password: z.string().min(1).max(1000) });

/** Admin only: users and their API tokens. */
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
    res.status(201).json({ token: await createToken(db, String(req.params.name)) });
  });

  return r;
}
