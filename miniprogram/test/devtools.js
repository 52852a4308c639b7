'use strict';
// What WeChat DevTools does with npm packages, for the tests that install the kit into a sample
// mini program:
//
// - "build npm" (工具 → 构建 npm): for every package in the project's `dependencies` (not
//   devDependencies) that is a mini program npm package, the folder named by its `miniprogram`
//   field (default `miniprogram_dist`) is copied as a whole to `miniprogram_npm/<name>/`. Only that
//   folder is uploaded with the mini program; node_modules never is.
// - `require('<name>')` / `require('<name>/sub')` in a mini program file finds
//   `miniprogram_npm/<name>/index.js` / `…/sub.js` (or `…/sub/index.js`), looking in the file's
//   folder and its parents up to the project root. './x' is relative to the file, '/x' to the root.
// - `usingComponents: { "x": "<name>/path/index" }` finds the component (its .json/.js/.wxml/.wxss)
//   under `miniprogram_npm` the same way.
// (developers.weixin.qq.com/miniprogram/dev/devtools/npm.html: "使用 npm 包", "发布小程序 npm 包的约束")
//
// useDevToolsResolution(root) makes node's require follow those rules for every file under root,
// so a page that runs here finds exactly what it would find in DevTools.

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

function isFile(p) {
  try { return fs.statSync(p).isFile(); } catch (e) { return false; }
}

/** The file a mini program require of `target` (without or with .js) loads, or null. */
function asScript(target) {
  for (const candidate of [target, target + '.js', path.join(target, 'index.js')]) {
    if (candidate.endsWith('.js') && isFile(candidate)) return candidate;
  }
  return null;
}

/** The component base path (without extension) `target` names, or null when it is no component. */
function asComponent(target) {
  for (const base of [target, path.join(target, 'index')]) {
    if (!isFile(base + '.json')) continue;
    const json = JSON.parse(fs.readFileSync(base + '.json', 'utf8'));
    if (json.component === true && isFile(base + '.js') && isFile(base + '.wxml')) return base;
  }
  return null;
}

function inside(root, file) {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Look up `spec` (a package name with an optional sub path) in miniprogram_npm from `fromDir` up to root. */
function findInNpm(root, fromDir, spec, as) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const found = as(path.join(dir, 'miniprogram_npm', spec));
    if (found) return found;
    if (dir === root || !inside(root, dir)) return null;
  }
}

function lookup(root, fromFile, spec, as, what) {
  let found;
  if (spec.startsWith('./') || spec.startsWith('../')) found = as(path.resolve(path.dirname(fromFile), spec));
  else if (spec.startsWith('/')) found = as(path.join(root, spec));
  else found = findInNpm(root, path.dirname(fromFile), spec, as);
  if (!found || !inside(root, found)) {
    throw new Error(`${what} '${spec}' is not defined (from ${path.relative(root, fromFile)}; did "build npm" run?)`);
  }
  return found;
}

/** The file `require(spec)` in `fromFile` loads in DevTools. */
function resolveRequire(root, fromFile, spec) {
  return lookup(root, fromFile, spec, asScript, 'module');
}

/** The component (base path, no extension) `usingComponents` entry `spec` in `fromJson` names. */
function resolveComponent(root, fromJson, spec) {
  return lookup(root, fromJson, spec, asComponent, 'component');
}

/** DevTools' "build npm" for the mini program npm packages among root/package.json's dependencies. */
function buildNpm(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const built = [];
  for (const name of Object.keys(pkg.dependencies || {})) {
    const dir = fs.realpathSync(path.join(root, 'node_modules', name));
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const dist = path.join(dir, meta.miniprogram || 'miniprogram_dist');
    if (!fs.existsSync(dist)) {
      throw new Error(`${name} has no ${meta.miniprogram || 'miniprogram_dist'} folder: not a mini program npm package`);
    }
    const out = path.join(root, 'miniprogram_npm', name);
    fs.rmSync(out, { recursive: true, force: true });
    fs.cpSync(dist, out, { recursive: true, dereference: true });
    built.push(name);
  }
  return built;
}

/** All files under dir, relative, sorted, with '/' separators. */
function listFiles(dir) {
  const out = [];
  (function walk(d) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  })(dir);
  return out.sort();
}

/**
 * From now until the returned function is called, every require made by a file under root
 * resolves like DevTools' require (miniprogram_npm, never node_modules or node's built-ins).
 */
function useDevToolsResolution(root) {
  const realRoot = fs.realpathSync(root);
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    const from = parent && parent.filename;
    if (from && inside(realRoot, from)) return resolveRequire(realRoot, from, request);
    return original.call(this, request, parent, ...rest);
  };
  return () => { Module._resolveFilename = original; };
}

const KIT_DIR = path.join(__dirname, '..');
const KIT_NAME = require('../package.json').name;
const EXAMPLE_DIR = path.join(KIT_DIR, 'example');

/**
 * A copy of the sample mini program (example/) in a temp folder with the kit installed and npm
 * built as in DevTools. kit: 'working-tree' installs this folder the way `npm install <folder>`
 * does (a symlink in node_modules); a .tgz path runs a real `npm install <tarball>`.
 */
function sampleProject(t, { kit = 'working-tree' } = {}) {
  const root = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'pushconsole-kit-sample-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.cpSync(EXAMPLE_DIR, root, { recursive: true, filter: (src) => !/[\\/](node_modules|miniprogram_npm)$/.test(src) });
  if (kit === 'working-tree') {
    fs.mkdirSync(path.join(root, 'node_modules'));
    fs.symlinkSync(KIT_DIR, path.join(root, 'node_modules', KIT_NAME), 'dir');
  } else {
    const r = require('node:child_process').spawnSync('npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', kit],
      { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm install ${kit} failed: ${r.stderr || r.stdout}`);
  }
  buildNpm(root);
  return root;
}

module.exports = {
  KIT_DIR, KIT_NAME, EXAMPLE_DIR,
  buildNpm, resolveRequire, resolveComponent, useDevToolsResolution, listFiles, sampleProject
};

// ------------------------------------------------------------------ self-checks of the helper
if (require.main === module) {
  const test = require('node:test');
  const assert = require('node:assert/strict');
  const os = require('node:os');

  function project(files) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devtools-selfcheck-'));
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    }
    return root;
  }

  test('build npm copies only the miniprogram folder of dependencies; require finds miniprogram_npm, not node_modules', (t) => {
    const root = project({
      'package.json': JSON.stringify({ dependencies: { lib: '1.0.0' }, devDependencies: { tool: '1.0.0' } }),
      'node_modules/lib/package.json': JSON.stringify({ name: 'lib', miniprogram: 'dist', main: 'src/index.js' }),
      'node_modules/lib/dist/index.js': "module.exports = require('./util') + 1;",
      'node_modules/lib/dist/util.js': 'module.exports = 41;',
      'node_modules/lib/src/index.js': 'module.exports = "node entry";',
      'node_modules/tool/package.json': JSON.stringify({ name: 'tool' }),
      'node_modules/tool/index.js': 'module.exports = "tool";',
      'pages/a/index.js': "module.exports = require('lib');"
    });
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    assert.deepEqual(buildNpm(root), ['lib']);
    assert.deepEqual(listFiles(path.join(root, 'miniprogram_npm')), ['lib/index.js', 'lib/util.js']);
    const page = path.join(root, 'pages/a/index.js');
    assert.equal(resolveRequire(root, page, 'lib'), path.join(root, 'miniprogram_npm/lib/index.js'));
    assert.throws(() => resolveRequire(root, page, 'tool'), /module 'tool' is not defined/);
    const restore = useDevToolsResolution(root);
    try {
      assert.equal(require(page), 42);
    } finally {
      restore();
    }
  });

  test('usingComponents entries resolve to components only', (t) => {
    const root = project({
      'miniprogram_npm/kit/c/index.json': '{"component": true}',
      'miniprogram_npm/kit/c/index.js': '',
      'miniprogram_npm/kit/c/index.wxml': '<slot/>',
      'miniprogram_npm/kit/notc/index.json': '{}',
      'miniprogram_npm/kit/notc/index.js': '',
      'miniprogram_npm/kit/notc/index.wxml': '',
      'pages/a/index.json': '{}'
    });
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const json = path.join(root, 'pages/a/index.json');
    assert.equal(resolveComponent(root, json, 'kit/c/index'), path.join(root, 'miniprogram_npm/kit/c/index'));
    assert.equal(resolveComponent(root, json, 'kit/c'), path.join(root, 'miniprogram_npm/kit/c/index'));
    assert.throws(() => resolveComponent(root, json, 'kit/notc/index'), /component 'kit\/notc\/index' is not defined/);
  });
}
