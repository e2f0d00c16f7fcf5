import { loadConfig } from '../src/config/loadConfig.js';
import { runServer } from '../src/server/runServer.js';
import { createBffMobile } from './createBffMobile.js';

await runServer('mobile', () => createBffMobile(loadConfig('mobile')));
