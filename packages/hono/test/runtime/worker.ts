// The case app as a Cloudflare Worker, bundled with esbuild and run in workerd by miniflare.
import { createCaseApp } from './case-app.ts';

const app = createCaseApp();
export default { fetch: (request: Request) => app.fetch(request) };
