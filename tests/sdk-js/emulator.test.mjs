// The AWS SDK for JavaScript v3, unchanged, against the KVS emulator: data endpoints, DASH session
// URLs and fragment lists, and every KVS error as the SDK's named exception.
// Needs KVSGW_HOST_DLL (the built KvsGateway.dll); tests/run.sh sets it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dll, freePort, run, clockPasses } from "./support.mjs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { KinesisVideoClient, CreateStreamCommand, GetDataEndpointCommand } from "@aws-sdk/client-kinesis-video";
import {
  KinesisVideoArchivedMediaClient,
  GetDASHStreamingSessionURLCommand,
  ListFragmentsCommand,
} from "@aws-sdk/client-kinesis-video-archived-media";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "fixtures");
const credentials = { accessKeyId: "AKIDSDKTEST", secretAccessKey: "sdk-test-secret" };
let emulator;
let endpoint;
let dataPath;

async function ingest(stream, fixture, retention = 1) {
  await run(["ingest", "--endpoint", endpoint, "--stream", stream, "--create", "--retention", String(retention), join(fixtures, fixture)]);
}

const control = () => new KinesisVideoClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const media = () => new KinesisVideoArchivedMediaClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

function onDemand(stream, start) {
  return new GetDASHStreamingSessionURLCommand({
    StreamName: stream,
    PlaybackMode: "ON_DEMAND",
    DisplayFragmentNumber: "ALWAYS",
    DASHFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: start, EndTimestamp: new Date() } },
  });
}

async function rejectsWith(promise, name, status) {
  await assert.rejects(promise, (error) => {
    assert.equal(error.name, name);
    assert.equal(error.$metadata.httpStatusCode, status);
    assert.ok(error.message.length > 0);
    assert.match(error.$metadata.requestId ?? "", /^[0-9a-f-]{36}$/);
    return true;
  });
}

let started;

before(async () => {
  assert.ok(dll, "KVSGW_HOST_DLL must name the built KvsGateway.dll");
  dataPath = mkdtempSync(join(tmpdir(), "kvsgw-sdk-"));
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  emulator = spawn("dotnet", [dll, "emulator", "--urls", endpoint, "--Emulator:DataPath", dataPath, "--Logging:LogLevel:Default", "Warning"], { stdio: "ignore" });
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(`${endpoint}/healthz`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  started = new Date(Date.now() - 1000);
  await ingest("sdk-cam", "h264-aac.mkv");
  await clockPasses(Date.now() + 1000);
});

after(() => {
  emulator?.kill("SIGKILL");
  rmSync(dataPath, { recursive: true, force: true });
});

test("GetDataEndpoint answers the emulator's data endpoint", async () => {
  const out = await control().send(new GetDataEndpointCommand({ StreamName: "sdk-cam", APIName: "GET_DASH_STREAMING_SESSION_URL" }));
  assert.equal(out.DataEndpoint, endpoint);
});

test("GetDASHStreamingSessionURL returns a manifest URL that serves an MPD", async () => {
  const out = await media().send(onDemand("sdk-cam", started));
  assert.match(out.DASHStreamingSessionURL, /\/dash\/v1\/getDASHManifest\.mpd\?SessionToken=/);
  const response = await fetch(out.DASHStreamingSessionURL);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/dash+xml");
  const mpd = await response.text();
  assert.equal((mpd.match(/<S /g) ?? []).length, 6, "3 fragments for each of 2 tracks");
});

test("ListFragments returns every fragment with KVS-style numbers and dates, paged", async () => {
  const first = await media().send(new ListFragmentsCommand({ StreamName: "sdk-cam", MaxResults: 2 }));
  assert.equal(first.Fragments.length, 2);
  assert.ok(first.NextToken);
  const rest = await media().send(new ListFragmentsCommand({ StreamName: "sdk-cam", NextToken: first.NextToken }));
  const all = [...first.Fragments, ...rest.Fragments];
  assert.equal(all.length, 3);
  for (const fragment of all) {
    assert.match(fragment.FragmentNumber, /^[0-9]{47}$/);
    assert.ok(fragment.ServerTimestamp instanceof Date);
    assert.ok(fragment.ProducerTimestamp instanceof Date);
    assert.equal(fragment.FragmentLengthInMilliseconds, 2000);
  }
});

test("errors arrive as the SDK's named exceptions", async () => {
  await rejectsWith(media().send(onDemand("sdk-nowhere", started)), "ResourceNotFoundException", 404);
  await rejectsWith(media().send(new GetDASHStreamingSessionURLCommand({ StreamName: "sdk-cam", Expires: 10 })), "InvalidArgumentException", 400);
  await rejectsWith(control().send(new CreateStreamCommand({ StreamName: "sdk-cam" })), "ResourceInUseException", 400);

  await ingest("sdk-no-retention", "h264.mkv", 0);
  await ingest("sdk-no-cpd", "no-cpd.mkv");
  await ingest("sdk-bad-avcc", "bad-avcc.mkv");
  await ingest("sdk-unsupported", "unsupported-codec.mkv");
  await clockPasses(Date.now() + 1000);
  const since = new Date(Date.now() - 60_000);
  await rejectsWith(media().send(onDemand("sdk-no-retention", since)), "NoDataRetentionException", 400);
  await rejectsWith(media().send(onDemand("sdk-no-cpd", since)), "MissingCodecPrivateDataException", 400);
  await rejectsWith(media().send(onDemand("sdk-bad-avcc", since)), "InvalidCodecPrivateDataException", 400);
  await rejectsWith(media().send(onDemand("sdk-unsupported", since)), "UnsupportedStreamMediaTypeException", 400);

  // 80 at once exceed 25 per second even on a slow machine that spreads them over three seconds.
  const burst = await Promise.allSettled(Array.from({ length: 80 }, () => media().send(onDemand("sdk-cam", started))));
  const throttled = burst.filter((r) => r.status === "rejected");
  assert.ok(throttled.length > 0, "80 session URLs at once exceed the 25/s quota");
  for (const r of throttled) {
    assert.equal(r.reason.name, "ClientLimitExceededException");
  }
});
