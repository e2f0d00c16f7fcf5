import { runServer } from '../src/server/runServer.js';
import { createBffMobile } from './createBffMobile.js';

await runServer('mobile', (config) => createBffMobile(config));
