import { randomBytes } from 'node:crypto';
import type { CreateBlueprintRequest } from '@paddock/protocol';

/** Where packages/templates appears in every workspace (the agent binds it read-only). */
const TEMPLATES = '/opt/paddock/templates';
/** Copies a template into /workspace without overwriting anything the builder already has. */
const copyTemplate = (dir: string) => `cp -rn ${TEMPLATES}/${dir}/. /workspace/ 2>/dev/null; cd /workspace`;

export const STATIC_SITE_BLUEPRINT = {
  name: 'Static site',
  description: 'A plain HTML site with a live preview. Describe the page you want to the AI.',
  illustration: 'website',
  suggestedPrompts: [
    'Make a one-page site for our team with a photo, who we are and how to reach us',
    'Build an event page with the date, the agenda and a sign-up form',
    'Create a FAQ page with questions that open when clicked',
  ],
  systemPrompt: 'You are building a static website in /workspace for a non-technical colleague. '
    + 'Keep everything in plain HTML, CSS and JavaScript files (start from index.html); no build step. '
    + 'A web server already serves /workspace on port 8000 and the preview shows it: do not start another one.',
  tabs: [
    { id: 'chat', kind: 'ai-chat', title: 'AI chat' },
    { id: 'site', kind: 'command', title: 'Web server', command: `${copyTemplate('static-site')} && exec node serve.mjs` },
    { id: 'claude', kind: 'claude', title: 'Claude Code' },
  ],
  defaultTab: 'chat',
  layoutLocked: true,
  editorEnabled: false,
  previewPorts: [8000],
} satisfies CreateBlueprintRequest;

export const REACT_VITE_BLUEPRINT = {
  name: 'React + Vite',
  description: 'A React app with Vite and hot reload. For builders who like to see the code.',
  illustration: 'code',
  suggestedPrompts: [
    'Build a to-do list where I can add, tick off and delete items',
    'Make a calculator for splitting a bill between friends',
    'Create a dashboard with three cards showing sample numbers',
  ],
  systemPrompt: 'This workspace holds a React app built with Vite (src/App.jsx is the entry component). '
    + 'The dev server already runs on port 5173 with hot reload. There is no network: node_modules is provided '
    + 'read-only (react, react-dom, vite, @vitejs/plugin-react) and npm install cannot add packages, so use only those.',
  tabs: [
    { id: 'chat', kind: 'ai-chat', title: 'AI chat' },
    { id: 'claude', kind: 'claude', title: 'Claude Code' },
    {
      id: 'dev', kind: 'command', title: 'Dev server',
      command: `${copyTemplate('react-vite/app')} && ln -sfn ${TEMPLATES}/react-vite/node_modules node_modules && exec node node_modules/vite/bin/vite.js --host 127.0.0.1 --port 5173`,
    },
    { id: 'shell', kind: 'shell', title: 'Shell' },
    { id: 'editor', kind: 'editor', title: 'Code editor' },
  ],
  defaultTab: 'claude',
  previewPorts: [5173],
} satisfies CreateBlueprintRequest;

export const DATA_APP_BLUEPRINT = {
  name: 'Data app',
  description: 'A small internal app backed by a database file, with a data-source credential provided by the platform.',
  illustration: 'data',
  suggestedPrompts: [
    'Build an app to track expenses: a form to add one and a table of all of them',
    'Make an inventory list I can search, with a count for each item',
    'Show a summary of the entries per month',
  ],
  systemPrompt: 'You are building a small internal web app in /workspace for a non-technical colleague. '
    + 'app.mjs (plain Node.js, no dependencies) serves it on port 3000 and keeps its data in data.json. '
    + 'After changing app.mjs, restart the server by running: kill $(pgrep -f "node app.mjs") (the platform restarts it when the App tab is opened again).',
  dataSourceNotes: 'The data source credential is in the environment variable DATA_SOURCE_TOKEN. '
    + 'It is set by the platform (a blueprint secret): read it from process.env, never print it, never write it into a file or into code.',
  tabs: [
    { id: 'chat', kind: 'ai-chat', title: 'AI chat' },
    { id: 'app', kind: 'command', title: 'App', command: `${copyTemplate('data-app')} && exec node app.mjs` },
    { id: 'claude', kind: 'claude', title: 'Claude Code' },
  ],
  defaultTab: 'chat',
  layoutLocked: true,
  editorEnabled: false,
  previewPorts: [3000],
} satisfies CreateBlueprintRequest;

/** The data app's demo credential: a random token, so the example shows the real path a secret takes. */
export const dataAppDemoToken = () => `demo-${randomBytes(12).toString('hex')}`;
