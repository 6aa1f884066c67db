import { startServer } from '../../src/server/serve.js';
import { describeEachStore } from '../helpers/stores.js';

describeEachStore('the web UI bundles', (get) => {
  const mapOf = async (nodeEnv: string | undefined) => {
    const before = process.env.NODE_ENV;
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
    const server = await startServer(get().hub, 0, '127.0.0.1');
    if (before === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = before;
    try {
      return {
        map: (await fetch(`${server.url}/label.entry.js.map`)).status,
        script: (await fetch(`${server.url}/label.entry.js`)).status,
      };
    } finally {
      await server.close();
    }
  };

  test('source maps are not served in production, the scripts are', async () => {
    expect(await mapOf('production')).toEqual({ map: 404, script: 200 });
  });

  test('source maps are served while developing', async () => {
    expect(await mapOf('development')).toEqual({ map: 200, script: 200 });
  });
});
