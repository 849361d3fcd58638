import type { Command } from 'commander';
import { serveSite } from '../report/serve.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the built report site on this machine (any static file server works as well).')
    .option('--dir <dir>', 'site folder', 'report')
    .option('--port <port>', 'port', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (options: { dir: string; port: string; host: string }) => {
      const { url } = await serveSite(options.dir, Number(options.port), options.host);
      console.log(`serving ${options.dir} at ${url} (Ctrl-C to stop)`);
    });
}
