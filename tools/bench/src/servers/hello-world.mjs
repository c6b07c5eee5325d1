// The baseline of the serving-api benchmark: a bare Fastify hello-world, no logger, no hooks.
// Plain JS so it starts like the bundled API does (no TypeScript loader in the measured process).
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
const address = await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ event: 'listening', url: address })}\n`);
