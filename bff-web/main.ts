import { loadConfig } from '../src/config/loadConfig.js';
import { runServer } from '../src/server/runServer.js';
import { createBffWeb } from './createBffWeb.js';

await runServer('web', () => createBffWeb(loadConfig('web')));
