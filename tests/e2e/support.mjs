// What the e2e suite needs: the gateway started as a user starts it (Development: demo tenant and the
// live demo stream, embedded emulator) against the CI Redis, a page server on another origin, and
// Debian's Chromium driven by playwright-core.
import { spawn, execFile } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { dll, freePort } from "../sdk-js/support.mjs";

export const here = dirname(fileURLToPath(import.meta.url));
export const fixtures = join(here, "..", "fixtures");
export const redis = process.env.KVSGW_TEST_REDIS;
export const artifacts = process.env.KVSGW_E2E_ARTIFACTS ?? join(here, "artifacts");
export const demoKeys = { accessKeyId: "AKIDKVSGWDEMO", secretAccessKey: "kvsgw-demo-secret" };
export const adminToken = "e2e-admin-token-of-the-suite";
const exec = promisify(execFile);

// Free ports and the gateway binary's verbs come from the SDK suite's helpers.
export { clockPasses, dll, freePort, run } from "../sdk-js/support.mjs";

/** The gateway in Development, as the README's run command starts it, on free ports. */
export async function startGateway() {
  const data = mkdtempSync(join(tmpdir(), "kvsgw-e2e-"));
  const url = `http://127.0.0.1:${await freePort()}`;
  const emulator = `http://127.0.0.1:${await freePort()}`;
  const management = `http://127.0.0.1:${await freePort()}`;
  const child = spawn("dotnet", [
    dll, "--environment", "Development", "--urls", url, "--Gateway:ManagementUrls", management, "--Redis:Configuration", redis,
    "--Origin:EmbeddedUrl", emulator, "--Origin:EmbeddedDataPath", join(data, "emulator"),
    "--Metering:Path", join(data, "metering"), "--Admin:Tokens:0", adminToken,
    "--Logging:LogLevel:Default", "Warning", "--Audit:Enabled", "false",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return { url, management, emulator, child, data, log: () => log };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error(`the gateway did not become healthy:\n${log}`);
}

/** A page server on another origin: the player harness and the players from node_modules. */
export async function startPageServer() {
  const files = {
    "/harness.html": join(here, "harness.html"),
    "/harness.js": join(here, "harness.js"),
    "/players/dash.all.min.js": join(here, "node_modules/dashjs/dist/modern/umd/dash.all.min.js"),
    "/players/shaka-player.compiled.js": join(here, "node_modules/shaka-player/dist/shaka-player.compiled.js"),
    "/players/hls.min.js": join(here, "node_modules/hls.js/dist/hls.min.js"),
  };
  const types = { ".html": "text/html", ".js": "text/javascript" };
  const server = createServer((request, response) => {
    const path = files[new URL(request.url, "http://x").pathname];
    if (!path || !existsSync(path)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": types[extname(path)] }).end(readFileSync(path));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Debian's Chromium, headless, fresh profile (Playwright's own browser download does not work here). */
export function launchChromium() {
  const userDataDir = mkdtempSync(join(tmpdir(), "kvsgw-chromium-"));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.KVSGW_CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/** Video packets of a file or URL: count and per-packet MD5 (ffmpeg framemd5, stream copy). */
export async function packetHashes(input, stream) {
  const { stdout } = await exec("ffmpeg", ["-v", "error", "-i", input, "-map", `0:${stream}`, "-c", "copy", "-f", "framemd5", "-"], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(",").map((f) => f.trim()).at(-1));
}

export async function videoFrameCount(file) {
  const { stdout } = await exec("ffprobe", ["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", file]);
  return Number(stdout.trim());
}
