// The UI bundle esbuild wrote at build time (dist/ui/: app.js, app.css), served from memory, and
// the one HTML page that loads it. Nothing is fetched from elsewhere at run time.
import { readFile } from 'node:fs/promises';

/** dist/ui/, next to dist/src/ where this file is compiled to. */
export const UI_DIR = new URL('../../ui/', import.meta.url);

const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.map': 'application/json',
  'app.css.map': 'application/json',
};

export interface StaticFile {
  type: string;
  body: Buffer;
}

export class StaticFiles {
  private readonly cache = new Map<string, Promise<StaticFile | undefined>>();

  constructor(private readonly dir: URL = UI_DIR) {}

  /** A bundle file by name, or undefined when it is not one or was not built. */
  get(name: string): Promise<StaticFile | undefined> {
    const type = TYPES[name];
    if (!type) return Promise.resolve(undefined);
    let file = this.cache.get(name);
    if (!file) {
      file = readFile(new URL(name, this.dir)).then((body) => ({ type, body }), () => undefined);
      this.cache.set(name, file);
    }
    return file;
  }
}

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Isthmus mesh</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css">
</head>
<body>
<div id="app"><p class="loading">Loading the dashboard…</p></div>
<script type="module" src="/ui/app.js"></script>
</body>
</html>
`;

export const NOT_BUILT = 'The dashboard UI bundle is missing (dist/ui/app.js): build it with `npm run build`.\n';
