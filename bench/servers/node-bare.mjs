import { createServer } from 'node:http';
import { bareNodeRoute, ready, receive } from './common.mjs';

ready(createServer(bareNodeRoute(receive)));
