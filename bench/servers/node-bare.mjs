import { createServer } from 'node:http';
import { ready, receive } from './common.mjs';

ready(
  createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      let parsed;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      receive(req.headers.authorization, parsed).then((status) => res.writeHead(status).end());
    });
  }),
);
