import { runServer } from '../src/index.js';
import { createBffWeb } from './createBffWeb.js';
import { webProfile } from './webProfile.js';

await runServer(webProfile, (config) => createBffWeb(config));
