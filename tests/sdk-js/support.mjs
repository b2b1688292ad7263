// Helpers both SDK suites share: free loopback ports and running the gateway binary's verbs.
import { spawn } from "node:child_process";
import { createServer } from "node:net";

export const dll = process.env.KVSGW_HOST_DLL;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs `dotnet KvsGateway.dll <args>` to completion (killed after a minute); rejects on a non-zero exit. */
export function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn("dotnet", [dll, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      code === 0 ? resolve(output) : reject(new Error(`${args[0]} exited ${code}: ${output}`));
    });
  });
}

/**
 * Returns once the wall clock is past `instant` (ms since the epoch). A range's EndTimestamp must be
 * in the past and the SDK sends whole seconds: after an ingest, `clockPasses(Date.now() + 1000)`
 * makes a range ending "now" cover every fragment just ingested.
 */
export async function clockPasses(instant) {
  while (Date.now() <= instant) {
    await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, instant - Date.now()))));
  }
}
