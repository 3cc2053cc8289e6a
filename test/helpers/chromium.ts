/**
 * The Chromium the browser tests drive (with playwright-core), so that `npm ci && npm test`
 * needs nothing but Node:
 * - `GRIDBID_CHROMIUM=/path/to/chrome`: that binary;
 * - `GRIDBID_CHROMIUM=npm`: the headless Chromium shipped inside the `@sparticuz/chromium`
 *   devDependency (decompressed once into the temporary folder, a few seconds), even when
 *   Debian's is installed — `.ci/run` uses this to prove the Node-only path;
 * - otherwise Debian's /usr/bin/chromium when it is installed, else the npm one.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const SYSTEM = '/usr/bin/chromium';
/** What this machine's closed network needs (no background connections), besides headless and no sandbox. */
const FLAGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface LaunchedChromium {
  readonly browser: Browser;
  /** 'system' (Debian's or GRIDBID_CHROMIUM's binary) or 'npm' (@sparticuz/chromium). */
  readonly source: 'system' | 'npm';
  readonly executablePath: string;
}

export interface LaunchOptions {
  /**
   * Variables set (or, undefined, removed) in the browser's environment, over the test's: e.g. `LANG=C.UTF-8`,
   * under which Chromium with no context locale reports `navigator.language` 'en-US@posix'.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  const env = options.env
    ? { env: Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter((e): e is [string, string] => e[1] !== undefined)) }
    : {};
  const wanted = process.env.GRIDBID_CHROMIUM;
  if (wanted !== 'npm' && (wanted !== undefined || existsSync(SYSTEM))) {
    const executablePath = wanted ?? SYSTEM;
    if (!existsSync(executablePath)) throw new Error(`GRIDBID_CHROMIUM=${executablePath}: no such file (unset it to use Debian's or the npm Chromium)`);
    // playwright-core gives every launch a new, empty profile (user data dir).
    return { browser: await chromium.launch({ executablePath, headless: true, chromiumSandbox: false, args: FLAGS, ...env }), source: 'system', executablePath };
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  const executablePath = await packaged.executablePath();
  // Its flags are tuned for AWS Lambda; one process for everything would end the browser with its first closed context.
  const args = packaged.args.filter((a) => a !== '--single-process');
  const browser = await chromium.launch({ executablePath, headless: true, chromiumSandbox: false, args: [...args, ...FLAGS], ...env });
  return { browser, source: 'npm', executablePath };
}
