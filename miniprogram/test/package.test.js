'use strict';
// The npm package as a mini program developer gets it: `npm pack` makes the tarball, a new mini
// program runs `npm install <tarball>`, DevTools' "build npm" copies the package's `miniprogram`
// folder to miniprogram_npm/, and the app finds the kit and its component from there alone.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { setup } = require('./fake-wx');
const { KIT_DIR, KIT_NAME, listFiles, sampleProject, resolveRequire, resolveComponent, useDevToolsResolution } = require('./devtools');

const manifest = require('../package.json');

// What DevTools must find in miniprogram_npm/<name>/: the entry, the library, the component's four
// files and the type declarations.
const DEVTOOLS_FILES = [
  'components/formid-collector/index.js',
  'components/formid-collector/index.json',
  'components/formid-collector/index.wxml',
  'components/formid-collector/index.wxss',
  'index.js',
  'lib/activity.js',
  'lib/constants.js',
  'lib/http.js',
  'lib/platform.js',
  'lib/registry.js',
  'lib/subscribe.js',
  'lib/uploader.js'
];
const TYPES_FILES = ['index.d.ts'];

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

let packed; // { dir, tarball, unpacked, project }
const cleanups = [];

test.before(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pushconsole-kit-pack-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], KIT_DIR));
  const tarball = path.join(dir, out[0].filename);
  run('tar', ['-xzf', tarball, '-C', dir]);
  // one install serves the tests below (npm install takes seconds)
  const project = sampleProject({ after: (fn) => cleanups.push(fn) }, { kit: tarball });
  packed = { dir, tarball, unpacked: path.join(dir, 'package'), project };
});

test.after(() => { for (const fn of cleanups) fn(); });

test('npm pack ships the manifest, licence, README and the DevTools folder, and no tests, sample or node_modules', () => {
  assert.equal(path.basename(packed.tarball), `${KIT_NAME}-${manifest.version}.tgz`);
  const files = listFiles(packed.unpacked);
  assert.deepEqual(files.filter((f) => !f.startsWith(manifest.miniprogram + '/')), ['LICENSE', 'README.md', 'package.json']);
  assert.deepEqual(files.filter((f) => f.startsWith(manifest.miniprogram + '/')).map((f) => f.slice(manifest.miniprogram.length + 1)),
    listFiles(path.join(KIT_DIR, manifest.miniprogram)));
});

test('the manifest names the kit, its licence, and entry, types and DevTools folder inside the tarball', () => {
  const shipped = JSON.parse(fs.readFileSync(path.join(packed.unpacked, 'package.json'), 'utf8'));
  assert.equal(shipped.name, KIT_NAME);
  assert.match(shipped.version, /^\d+\.\d+\.\d+$/);
  assert.equal(shipped.license, 'MIT');
  assert.ok(fs.existsSync(path.join(packed.unpacked, 'LICENSE')));
  assert.equal(shipped.miniprogram, 'miniprogram_dist');
  assert.ok(fs.statSync(path.join(packed.unpacked, shipped.miniprogram)).isDirectory());
  assert.equal(shipped.main, `${shipped.miniprogram}/index.js`, 'node-style bundlers (Taro, uni-app) load the same files');
  assert.equal(shipped.dependencies, undefined, 'the kit needs nothing else in miniprogram_npm');
  const example = require('../example/package.json');
  assert.equal(example.dependencies[KIT_NAME], `file:../${path.basename(packed.tarball)}`, 'example/ installs the tarball npm pack makes');
});

test('a mini program that installs the tarball gets the component, the library and the entry in miniprogram_npm after build npm', () => {
  const root = packed.project;
  const installed = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.ok(installed.dependencies[KIT_NAME], 'npm install put the kit in dependencies, which DevTools builds');
  const built = listFiles(path.join(root, 'miniprogram_npm', KIT_NAME));
  for (const f of DEVTOOLS_FILES) assert.ok(built.includes(f), `miniprogram_npm/${KIT_NAME}/${f}`);
  assert.deepEqual(built, [...DEVTOOLS_FILES, ...TYPES_FILES].sort(), 'nothing but the kit is uploaded with the mini program');
});

test('the declarations cover every export of the entry', () => {
  const dts = fs.readFileSync(path.join(packed.unpacked, manifest.types), 'utf8');
  const declared = [...dts.matchAll(/^export declare (?:const|function) (\w+)/gm)].map((m) => m[1]).sort();
  assert.deepEqual(declared, Object.keys(require('../miniprogram_dist/index')).sort());
});

test('the TypeScript sample page compiles with tsc --noEmit --strict against the installed kit and miniprogram-api-typings', () => {
  const root = packed.project;
  // the types a TypeScript mini program has as a dev dependency; the kit's own come from the tarball
  fs.symlinkSync(path.join(KIT_DIR, 'node_modules', 'miniprogram-api-typings'), path.join(root, 'node_modules', 'miniprogram-api-typings'), 'dir');
  // misuses the declarations must reject (each line carries @ts-expect-error)
  fs.mkdirSync(path.join(root, 'typecheck'));
  fs.copyFileSync(path.join(KIT_DIR, 'typecheck', 'misuse.ts'), path.join(root, 'typecheck', 'misuse.ts'));
  const tsc = path.join(KIT_DIR, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['--noEmit', '--strict', '-p', root, '--listFiles'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc reported:\n${r.stdout}${r.stderr}`);
  const listed = r.stdout;
  for (const f of ['pages/typescript/index.ts', 'typecheck/misuse.ts', `node_modules/${KIT_NAME}/miniprogram_dist/index.d.ts`, 'miniprogram-api-typings']) {
    assert.ok(listed.includes(f), `tsc checked ${f}`);
  }
});

test('there require(name) and the component path resolve as in DevTools, and the app runs from miniprogram_npm alone', async (t) => {
  const root = packed.project;
  fs.rmSync(path.join(root, 'node_modules'), { recursive: true }); // DevTools never uploads it
  const npmDir = path.join(root, 'miniprogram_npm', KIT_NAME);
  assert.equal(resolveRequire(root, path.join(root, 'app.js'), KIT_NAME), path.join(npmDir, 'index.js'));
  for (const json of ['app.json', 'pages/sample/index.json']) {
    const file = path.join(root, json);
    const spec = JSON.parse(fs.readFileSync(file, 'utf8')).usingComponents['formid-collector'];
    assert.equal(resolveComponent(root, file, spec), path.join(npmDir, 'components/formid-collector/index'), json);
  }

  t.after(useDevToolsResolution(root));
  const env = setup();
  global.wx = env.wx;
  let app = null;
  let component = null;
  global.App = (def) => { app = def; };
  global.Component = (def) => { component = def; };
  t.after(() => { delete global.wx; delete global.App; delete global.Component; if (app) app.pushconsole.uploader.destroy(); });
  require(path.join(root, 'app.js'));
  app.onLaunch();
  require(path.join(npmDir, 'components/formid-collector/index.js'));
  const emitted = [];
  component.methods.onSubmit.call({ triggerEvent: (name, detail) => emitted.push(detail) }, { detail: { formId: 'f00000000000000000000000000000aa' } });
  assert.deepEqual(emitted, [{ formId: 'f00000000000000000000000000000aa', queued: true }], 'the component reaches the kit init() registered');
  await app.pushconsole.uploader.flush();
  assert.deepEqual([...env.server.stored.keys()], ['f00000000000000000000000000000aa']);
});
