// Issue #8: the clients people use, end to end through the gateway. The gateway runs as the README
// starts it (Development, embedded emulator, live demo stream) against the CI Redis; fixtures go in
// through PutMedia; dash.js and shaka-player play in Debian's headless Chromium from a page of
// another origin; the AWS SDK v3 asks for sessions with the demo tenant's keys; ffmpeg checks the
// codecs this browser cannot decode. Needs KVSGW_HOST_DLL and KVSGW_TEST_REDIS (tests/run.sh sets both).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KinesisVideoClient, GetDataEndpointCommand } from "@aws-sdk/client-kinesis-video";
import { KinesisVideoArchivedMediaClient, GetDASHStreamingSessionURLCommand, GetHLSStreamingSessionURLCommand } from "@aws-sdk/client-kinesis-video-archived-media";
import {
  adminToken, artifacts, clockPasses, demoKeys, dll, fixtures, launchChromium, packetHashes, redis, run,
  startGateway, startPageServer, videoFrameCount,
} from "./support.mjs";

let gateway;
let pages;
let browser;
let ingestStarted;
const streams = { h264: "demo-e2e-h264", h264aac: "demo-e2e-h264-aac", h265: "demo-e2e-h265", alaw: "demo-e2e-alaw" };

before(async () => {
  assert.ok(dll && redis, "KVSGW_HOST_DLL and KVSGW_TEST_REDIS must be set");
  mkdirSync(artifacts, { recursive: true });
  gateway = await startGateway();
  pages = await startPageServer();
  browser = await launchChromium();
  ingestStarted = new Date(Date.now() - 1000);
  const files = { h264: "h264.mkv", h264aac: "h264-aac.mkv", h265: "h265.mkv", alaw: "h264-alaw.mkv" };
  for (const [key, stream] of Object.entries(streams)) {
    await run(["ingest", "--endpoint", gateway.emulator, "--stream", stream, "--create", "--retention", "1", join(fixtures, files[key])]);
  }
  await clockPasses(Date.now() + 1000);
});

after(async () => {
  await browser?.close();
  pages?.close();
  gateway?.child.kill("SIGTERM");
});

const control = (credentials = demoKeys) => new KinesisVideoClient({ endpoint: gateway.url, region: "us-east-1", credentials, maxAttempts: 1 });
const archived = (endpoint, credentials = demoKeys) => new KinesisVideoArchivedMediaClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

async function sessionUrl(stream, mode = "ON_DEMAND", credentials = demoKeys) {
  const { DataEndpoint } = await control(credentials).send(new GetDataEndpointCommand({ StreamName: stream, APIName: "GET_DASH_STREAMING_SESSION_URL" }));
  const replay = mode === "LIVE" ? undefined : { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: ingestStarted, EndTimestamp: new Date() } };
  const { DASHStreamingSessionURL } = await archived(DataEndpoint, credentials).send(new GetDASHStreamingSessionURLCommand({
    StreamName: stream, PlaybackMode: mode, DASHFragmentSelector: replay, DisplayFragmentTimestamp: "ALWAYS", DisplayFragmentNumber: "ALWAYS",
  }));
  return DASHStreamingSessionURL;
}

async function hlsSessionUrl(stream, mode = "ON_DEMAND") {
  const { DataEndpoint } = await control().send(new GetDataEndpointCommand({ StreamName: stream, APIName: "GET_HLS_STREAMING_SESSION_URL" }));
  const replay = mode === "LIVE" ? undefined : { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: ingestStarted, EndTimestamp: new Date() } };
  const { HLSStreamingSessionURL } = await archived(DataEndpoint).send(new GetHLSStreamingSessionURLCommand({ StreamName: stream, PlaybackMode: mode, HLSFragmentSelector: replay }));
  return HLSStreamingSessionURL;
}

/** Opens the harness on the page origin; returns the page and every gateway response it saw. */
async function openPlayer(player, url) {
  const page = await browser.newPage();
  const responses = [];
  const problems = [];
  page.on("response", (r) => {
    if (r.url().startsWith(gateway.url)) responses.push({ path: new URL(r.url()).pathname, track: new URL(r.url()).searchParams.get("TrackNumber"), status: r.status(), at: Date.now() });
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => { if (r.url().startsWith(gateway.url)) problems.push(`request failed: ${new URL(r.url()).pathname} ${r.failure()?.errorText}`); });
  const harness = `${pages.url}/harness.html?player=${player}&url=${encodeURIComponent(url)}&time=${encodeURIComponent(`${gateway.url}/time`)}`;
  await page.goto(harness);
  const report = async (extra = {}) => JSON.stringify({ player, ...(await page.evaluate(() => window.report)), problems, responses, ...extra }, null, 1);
  return { page, responses, problems, report };
}

async function waitFor(page, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await page.evaluate(predicate)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

for (const player of ["dash", "shaka"]) {
  for (const [name, stream, fixture] of [["H.264", streams.h264, "h264.mkv"], ["H.264+AAC", streams.h264aac, "h264-aac.mkv"]]) {
    test(`${player} plays ON_DEMAND ${name} to the end, every frame, from another origin`, { timeout: 120_000 }, async () => {
      const expected = await videoFrameCount(join(fixtures, fixture));
      const { page, responses, problems, report } = await openPlayer(player, await sessionUrl(stream));
      try {
        const done = await waitFor(page, () => window.report.ended || window.report.errors.length > 0, 60_000);
        const frames = await page.evaluate(() => window.frames());
        const r = await page.evaluate(() => window.report);
        const failure = await report({ frames, expected });
        assert.ok(done && r.ended, `did not reach the end: ${failure}`);
        // The end of playback is the end of the presentation: the playhead is there, nothing is left.
        const at = await page.evaluate(() => ({ time: document.getElementById("video").currentTime, duration: document.getElementById("video").duration }));
        assert.ok(Math.abs(at.time - at.duration) < 0.001, `ended at ${at.time} of ${at.duration}: ${failure}`);
        assert.deepEqual(r.errors, [], failure);
        assert.deepEqual(problems, [], failure);
        assert.ok(responses.length > 0 && responses.every((x) => x.status === 200), failure);
        // Every frame of the source, and no more than what a seek to the start had Chromium decode again.
        assert.ok(frames >= expected && frames <= expected + (r.framesBeforeStart ?? 0), failure);
      } finally {
        await page.close();
      }
    });
  }

  test(`${player} plays LIVE from the looping demo stream for 10 s with the playhead advancing`, { timeout: 90_000 }, async () => {
    const { page, responses, problems, report } = await openPlayer(player, await sessionUrl("demo-stream", "LIVE"));
    try {
      assert.ok(await waitFor(page, () => window.position() > 0, 30_000), `never started: ${await report()}`);
      const first = await page.evaluate(() => window.position());
      await new Promise((r) => setTimeout(r, 10_000));
      const second = await page.evaluate(() => window.position());
      const failure = await report({ first, second });
      assert.ok(second - first >= 8, `the playhead moved ${second - first} s in 10 s: ${failure}`);
      assert.deepEqual((await page.evaluate(() => window.report)).errors, [], failure);
      assert.deepEqual(problems, [], failure);
      assert.ok(responses.every((x) => x.status === 200), failure);
    } finally {
      await page.close();
    }
  });
}

for (const [name, stream, fixture] of [["H.264", streams.h264, "h264.mkv"], ["H.264+AAC", streams.h264aac, "h264-aac.mkv"]]) {
  test(`hls.js plays ON_DEMAND ${name} over HLS to the last frame, from another origin`, { timeout: 120_000 }, async () => {
    const expected = await videoFrameCount(join(fixtures, fixture));
    const { page, responses, problems, report } = await openPlayer("hls", await hlsSessionUrl(stream));
    try {
      const done = await waitFor(page, () => window.report.ended || window.report.errors.length > 0, 60_000);
      const frames = await page.evaluate(() => window.frames());
      const r = await page.evaluate(() => window.report);
      const failure = await report({ frames, expected });
      assert.ok(done && r.ended, `did not reach the end: ${failure}`);
      assert.deepEqual(r.errors, [], failure);
      assert.deepEqual(problems, [], failure);
      assert.ok(responses.length > 0 && responses.every((x) => x.status === 200), failure);
      // Video, and for H.264+AAC the audio rendition too (its own media playlist and fragments).
      assert.ok(responses.some((x) => x.path === "/hls/v1/getMP4MediaFragment.mp4" && x.track === "1"), failure);
      assert.equal(responses.some((x) => x.path === "/hls/v1/getMP4MediaFragment.mp4" && x.track === "2"), fixture === "h264-aac.mkv", failure);
      assert.ok(frames >= expected && frames <= expected + (r.framesBeforeStart ?? 0), failure);
    } finally {
      await page.close();
    }
  });
}

test("hls.js plays LIVE over HLS from the looping demo stream for 10 s with the playhead advancing", { timeout: 90_000 }, async () => {
  const { page, responses, problems, report } = await openPlayer("hls", await hlsSessionUrl("demo-stream", "LIVE"));
  try {
    assert.ok(await waitFor(page, () => window.position() > 0, 30_000), `never started: ${await report()}`);
    const first = await page.evaluate(() => window.position());
    await new Promise((r) => setTimeout(r, 10_000));
    const second = await page.evaluate(() => window.position());
    const failure = await report({ first, second });
    assert.ok(second - first >= 8, `the playhead moved ${second - first} s in 10 s: ${failure}`);
    assert.deepEqual((await page.evaluate(() => window.report)).errors, [], failure);
    assert.deepEqual(problems, [], failure);
    assert.ok(responses.every((x) => x.status === 200), failure);
  } finally {
    await page.close();
  }
});

test("the AWS SDK v3 gets data endpoints and session URLs for every mode and AWS's named exceptions", async () => {
  for (const mode of ["LIVE", "LIVE_REPLAY", "ON_DEMAND"]) {
    const url = await sessionUrl(mode === "LIVE" ? "demo-stream" : streams.h264, mode);
    assert.ok(url.startsWith(`${gateway.url}/dash/v1/getDASHManifest.mpd?SessionToken=`), url);
    assert.equal((await fetch(url)).status, 200, mode);
  }

  const { DataEndpoint } = await control().send(new GetDataEndpointCommand({ StreamName: streams.h264, APIName: "GET_DASH_STREAMING_SESSION_URL" }));
  const cases = [
    ["InvalidArgumentException", { StreamName: streams.h264, PlaybackMode: "ON_DEMAND", Expires: 10, DASHFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: ingestStarted, EndTimestamp: new Date() } } }],
    ["InvalidArgumentException", { StreamName: streams.h264, PlaybackMode: "ON_DEMAND" }],
    ["ResourceNotFoundException", { StreamName: "demo-e2e-missing", PlaybackMode: "LIVE" }],
    ["ResourceNotFoundException", { StreamName: "not-the-demo-tenants", PlaybackMode: "LIVE" }],
  ];
  for (const [name, input] of cases) {
    await assert.rejects(archived(DataEndpoint).send(new GetDASHStreamingSessionURLCommand(input)), (e) => e.name === name, `${name} for ${JSON.stringify(input)}`);
  }
  await assert.rejects(archived(DataEndpoint, { ...demoKeys, secretAccessKey: "wrong" }).send(new GetDASHStreamingSessionURLCommand({ StreamName: streams.h264, PlaybackMode: "LIVE" })), (e) => e.name === "InvalidSignatureException");
});

for (const [name, stream, fixture, trackIndexes] of [["H.265", streams.h265, "h265.mkv", [0]], ["G.711 A-law", streams.alaw, "h264-alaw.mkv", [0, 1]]]) {
  test(`ffmpeg reads ${name} through the gateway packet for packet (this Chromium cannot decode it)`, { timeout: 60_000 }, async () => {
    for (const index of trackIndexes) {
      const source = await packetHashes(join(fixtures, fixture), index);
      const served = await packetHashes(await sessionUrl(stream), index);
      assert.ok(source.length > 0);
      assert.deepEqual(served, source, `track ${index}`);
    }
  });
}

test("the demo page at / plays the live demo stream and shows kvs:ts, kvs:fn, expiry and metered bytes", { timeout: 90_000 }, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${gateway.url}/`);
    const shown = await waitFor(page, () => document.getElementById("state").textContent === "playing"
      && /^\d{4}-\d\d-\d\dT/.test(document.getElementById("frame-time").textContent)
      && /^\d+$/.test(document.getElementById("fragment-number").textContent)
      && /bytes/.test(document.getElementById("metered").textContent), 45_000);
    const info = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll("dd")].map((d) => [d.id, d.textContent])));
    await page.screenshot({ path: join(artifacts, "demo-page.png") });
    assert.ok(shown, `the demo page did not show playback: ${JSON.stringify(info)}`);
    const frameTime = Date.parse(info["frame-time"]);
    assert.ok(Math.abs(Date.now() - frameTime) < 60_000, `the frame on screen is from ${info["frame-time"]}, not within a minute of now`);
    assert.ok(Date.parse(info.expires) > Date.now());
  } finally {
    await page.close();
  }
});

test("the demo page's timeline of the last hour (ListFragments) plays ON_DEMAND from the point clicked", { timeout: 90_000 }, async () => {
  const page = await browser.newPage();
  try {
    await page.goto(`${gateway.url}/`);
    assert.ok(await waitFor(page, () => +(document.getElementById("timeline").dataset.fragments ?? 0) > 0 && document.querySelector("#timeline .run"), 30_000), "the timeline never filled");
    // The demo stream plays since the gateway started: click 3 s into its run of fragments.
    const bar = await page.locator("#timeline").boundingBox();
    const run = await page.locator("#timeline .run").first().boundingBox();
    const clickX = Math.min(run.x + run.width - 1, run.x + Math.max(1, (3 / 3600) * bar.width));
    const clickedAt = await page.evaluate((x) => {
      const bar = document.getElementById("timeline");
      const box = bar.getBoundingClientRect();
      return +bar.dataset.from + ((x - box.left) / box.width) * 3600e3;
    }, clickX);
    await page.mouse.click(clickX, bar.y + bar.height / 2);
    const playing = await waitFor(page, () => document.getElementById("info").dataset.mode === "ON_DEMAND"
      && document.getElementById("state").textContent === "playing"
      && /^\d{4}-\d\d-\d\dT/.test(document.getElementById("frame-time").textContent), 45_000);
    const info = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll("dd")].map((d) => [d.id, d.textContent])));
    await page.screenshot({ path: join(artifacts, "demo-timeline.png") });
    assert.ok(playing, `the clicked point did not play: ${JSON.stringify(info)}`);
    // What plays is from the clicked point: the fragment holding it starts at most a fragment before.
    const shown = Date.parse(info["frame-time"]);
    assert.ok(shown >= clickedAt - 15_000 && shown <= clickedAt + 30_000, `clicked ${new Date(clickedAt).toISOString()}, playing ${info["frame-time"]}`);
  } finally {
    await page.close();
  }
});

// Last: it revokes every session of the demo stream.
test("a session revoked mid-playback stops the player with a 403 within 2 s", { timeout: 90_000 }, async () => {
  const { page, responses, report } = await openPlayer("dash", await sessionUrl("demo-stream", "LIVE"));
  try {
    assert.ok(await waitFor(page, () => window.position() > 1, 30_000), `never started: ${await report()}`);
    const revokedAt = Date.now();
    const revoke = await fetch(`${gateway.management}/admin/tenants/demo/streams/demo-stream/sessions`, { method: "DELETE", headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(revoke.status, 204);
    const deadline = Date.now() + 6000;
    while (Date.now() < deadline && !responses.some((x) => x.at >= revokedAt && x.status === 403)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
    const failure = await report({ revokedAt });
    writeFileSync(join(artifacts, "revocation-report.json"), failure);
    const refused = responses.find((x) => x.at >= revokedAt && x.status === 403);
    assert.ok(refused, `no 403 after the revocation: ${failure}`);
    assert.ok(refused.at - revokedAt <= 2000, `the first 403 came ${refused.at - revokedAt} ms after the revocation: ${failure}`);
    assert.ok(!responses.some((x) => x.at > refused.at && x.status === 200 && x.path.includes("getMP4")), `fragments were served after the 403: ${failure}`);
  } finally {
    await page.close();
  }
});
