import { removeTempDirs } from './stores.js';

// Registered for every test file (jest's setupFilesAfterEnv), so no test has to remember its temp dirs.
afterAll(removeTempDirs);
