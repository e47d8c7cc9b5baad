/**
 * The page script, served at `assets/app.js`: its parts joined in one strict-mode IIFE.
 */
import { CLIENT_APP } from './client-app.js';
import { CLIENT_CHANNELS } from './client-channels.js';
import { CLIENT_CHARTS } from './client-charts.js';
import { CLIENT_CORE } from './client-core.js';
import { CLIENT_DLQ } from './client-dlq.js';

/** The whole page script. */
export const APP_SCRIPT = `(function () {\n'use strict';\n${[CLIENT_CORE, CLIENT_CHARTS, CLIENT_CHANNELS, CLIENT_DLQ, CLIENT_APP].join('\n')}\n})();\n`;
