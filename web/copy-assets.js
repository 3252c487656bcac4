// copy-assets.js vendors the front-end dependencies that the Go binary embeds:
// it copies ECharts' minified build (and its licence) from node_modules into
// ../internal/web/static/vendor/. Run it with `npm run build` after `npm ci`.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const vendor = path.join(__dirname, '..', 'internal', 'web', 'static', 'vendor');
const files = [
  ['echarts/dist/echarts.min.js', 'echarts.min.js'],
  ['echarts/LICENSE', 'echarts.LICENSE.txt'],
];

fs.mkdirSync(vendor, { recursive: true });
for (const [from, to] of files) {
  let src;
  try {
    src = require.resolve(from, { paths: [__dirname] });
  } catch {
    src = path.join(__dirname, 'node_modules', from);
  }
  if (!fs.existsSync(src)) {
    console.error(`copy-assets: ${src} is missing; run \`npm ci\` in web/ first`);
    process.exit(1);
  }
  fs.copyFileSync(src, path.join(vendor, to));
  console.log(`copy-assets: ${path.relative(process.cwd(), path.join(vendor, to))}`);
}
