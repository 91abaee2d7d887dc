// A real headless browser for page tests: Debian's `chromium` package driven by playwright-core
// (which downloads nothing). Tests install nothing at run time: without the binary a test is
// skipped with a loud reason, and under JIQ_REQUIRE_SERVICES=1 (CI, whose .ci/run installs the
// package) a missing browser is a failure.
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { servicesRequired } from './services';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

/** The chromium binary, or null (after a loud warning) when it is absent and not required. */
export function chromiumPath(): string | null {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return CHROMIUM;
  } catch {
    const reason = `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN)`;
    if (servicesRequired()) throw new Error(`JIQ_REQUIRE_SERVICES=1 and ${reason}`);
    process.stderr.write(`\n*** SKIPPED: browser test: ${reason} ***\n\n`);
    return null;
  }
}

export function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: tests run as root in CI, where chromium refuses its sandbox.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
