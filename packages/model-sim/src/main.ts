#!/usr/bin/env node
import { startModelSim } from './modelSim.js';

/**
 * `paddock-model-sim`: serves the Paddock demo model, a scripted stand-in for
 * the Anthropic Messages API (not an AI). PORT (default 8787), HOST (127.0.0.1).
 */
const sim = await startModelSim({ port: Number(process.env.PORT ?? 8787), host: process.env.HOST ?? '127.0.0.1' });
process.stdout.write(`Paddock demo model (scripted) at ${sim.url}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void sim.close().then(() => process.exit(0)));
