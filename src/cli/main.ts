#!/usr/bin/env node
/**
 * The `redis-streamer` executable (package.json "bin"). It sets the exit code and lets the process
 * end by itself once every connection is closed.
 */
import { run } from './program.js';

process.exitCode = await run(process.argv, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
