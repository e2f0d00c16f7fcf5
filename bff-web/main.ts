import { runServer } from '../src/server/runServer.js';
import { createBffWeb } from './createBffWeb.js';

await runServer('web', (config) => createBffWeb(config));
