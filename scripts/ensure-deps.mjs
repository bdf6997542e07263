#!/usr/bin/env node
// Runs before every `npm start` and `npm test`: installs what is missing, and is a fast no-op
// when everything is there. Plain Node, no dependencies (node_modules may not exist yet).
//  1. Node version from package.json "engines".
//  2. npm packages: `npm ci` when node_modules is absent or does not match package-lock.json.
//  3. Debian packages redis-server and sip-tester when redis-server / redis-cli / sipp are not on PATH.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lockFile = join(root, 'package-lock.json');
const modules = join(root, 'node_modules');
// Written after a successful check or install: the hash of the package-lock.json it matched.
const stampFile = join(modules, '.pn-deps-stamp');

/** Binaries we need → the Debian package that provides them. */
const BINARIES = { 'redis-server': 'redis-server', 'redis-cli': 'redis-tools', sipp: 'sip-tester' };

function fail(message) {
  process.stderr.write(`\nensure-deps: ${message}\n\n`);
  process.exit(1);
}

function say(message) {
  process.stderr.write(`ensure-deps: ${message}\n`);
}

function run(command, args, options = {}) {
  say(`running: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

function checkNode() {
  const wanted = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '';
  const m = /^>=\s*(\d+)(?:\.(\d+))?/.exec(wanted);
  if (!m) return;
  const [major, minor] = process.versions.node.split('.').map(Number);
  const needMajor = Number(m[1]);
  const needMinor = Number(m[2] ?? 0);
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    fail(`Node.js ${wanted} is required, this is ${process.versions.node}. Install Node.js 20 LTS (e.g. from https://nodejs.org or NodeSource).`);
  }
}

/**
 * True when node_modules holds what package-lock.json asks for. Fast path: the stamp matches the
 * lock's hash. Otherwise compare versions with npm's own record of the tree
 * (node_modules/.package-lock.json); optional packages for other platforms may be absent.
 */
function modulesUpToDate(lockText) {
  if (!existsSync(modules)) return false;
  const hash = createHash('sha256').update(lockText).digest('hex');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash) return true;
  const hidden = join(modules, '.package-lock.json');
  if (!existsSync(hidden)) return false;
  let wanted;
  let installed;
  try {
    wanted = JSON.parse(lockText).packages ?? {};
    installed = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
  } catch {
    return false;
  }
  for (const [path, meta] of Object.entries(wanted)) {
    if (path === '' || !path.startsWith('node_modules/')) continue;
    const have = installed[path];
    if (have === undefined) {
      if (meta.optional === true) continue;
      return false;
    }
    if (meta.version !== undefined && have.version !== meta.version) return false;
  }
  writeFileSync(stampFile, `${hash}\n`);
  return true;
}

function ensureNpmPackages() {
  const lockText = readFileSync(lockFile, 'utf8');
  if (modulesUpToDate(lockText)) return;
  say(existsSync(modules) ? 'node_modules does not match package-lock.json' : 'node_modules is missing');
  run('npm', ['ci', '--no-audit', '--no-fund']);
  writeFileSync(stampFile, `${createHash('sha256').update(lockText).digest('hex')}\n`);
}

function onPath(binary) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

function ensureSystemPackages() {
  const missing = Object.keys(BINARIES).filter((bin) => !onPath(bin));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((bin) => BINARIES[bin]))];
  const command = `apt-get update && apt-get install -y ${packages.join(' ')}`;
  if (!existsSync('/usr/bin/apt-get')) {
    fail(`missing ${missing.join(', ')}; install the packages ${packages.join(', ')} with your system's package manager.`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    fail(`missing ${missing.join(', ')}. Installing them needs root; run once:\n\n    sudo sh -c '${command}'\n\nthen run your npm command again.`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update'], { env });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env });
  const still = missing.filter((bin) => !onPath(bin));
  if (still.length > 0) fail(`${still.join(', ')} still not on PATH after installing ${packages.join(', ')}`);
}

checkNode();
ensureNpmPackages();
ensureSystemPackages();
