// The AWS SDK for JavaScript v3, unchanged, against the gateway with a tenant's keys: it gets data
// endpoints, DASH and HLS session URLs, clips and fragment lists, and every refusal comes back as
// AWS's named exception.
// Needs KVSGW_HOST_DLL and KVSGW_TEST_REDIS; tests/run.sh sets both.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dll, freePort, run, clockPasses } from "./support.mjs";
import { mkdtempSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { KinesisVideoClient, GetDataEndpointCommand } from "@aws-sdk/client-kinesis-video";
import {
  KinesisVideoArchivedMediaClient,
  GetDASHStreamingSessionURLCommand,
  GetHLSStreamingSessionURLCommand,
  GetClipCommand,
  ListFragmentsCommand,
  paginateListFragments,
} from "@aws-sdk/client-kinesis-video-archived-media";

const here = dirname(fileURLToPath(import.meta.url));
const redis = process.env.KVSGW_TEST_REDIS;
const tenant = { accessKeyId: "AKIDSDKTENANT", secretAccessKey: "sdk-tenant-secret" };
let gateway;
let gatewayUrl;
let emulatorUrl;
let dataPath;
let started;

const control = (credentials = tenant, extra = {}) => new KinesisVideoClient({ endpoint: gatewayUrl, region: "us-east-1", credentials, maxAttempts: 1, ...extra });
const media = (endpoint, credentials = tenant, extra = {}) => new KinesisVideoArchivedMediaClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1, ...extra });
const onDemand = (stream) => new GetDASHStreamingSessionURLCommand({
  StreamName: stream,
  PlaybackMode: "ON_DEMAND",
  DASHFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: started, EndTimestamp: new Date() } },
});

before(async () => {
  assert.ok(dll && redis, "KVSGW_HOST_DLL and KVSGW_TEST_REDIS must be set");
  dataPath = mkdtempSync(join(tmpdir(), "kvsgw-sdk-gw-"));
  gatewayUrl = `http://127.0.0.1:${await freePort()}`;
  emulatorUrl = `http://127.0.0.1:${await freePort()}`;
  const managementUrl = `http://127.0.0.1:${await freePort()}`;
  gateway = spawn("dotnet", [
    dll, "--environment", "Testing", "--urls", gatewayUrl, "--Gateway:ManagementUrls", managementUrl,
    "--Gateway:AllowEmbeddedDependencies", "true", "--Redis:Configuration", redis,
    "--Origin:EmbeddedUrl", emulatorUrl, "--Origin:EmbeddedDataPath", dataPath, "--Metering:Path", join(dataPath, "metering"),
    "--Tenants:acme:AccessKeys:0:AccessKeyId", tenant.accessKeyId, "--Tenants:acme:AccessKeys:0:SecretAccessKey", tenant.secretAccessKey,
    "--Tenants:acme:Streams:0", "acme-*", "--Tokens:ActiveKeyId", "k1", "--Tokens:Keys:k1", randomBytes(64).toString("base64"),
    "--Demo:Enabled", "false", "--Logging:LogLevel:Default", "Warning",
  ], { stdio: "ignore" });
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${gatewayUrl}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  started = new Date(Date.now() - 1000);
  await run(["ingest", "--endpoint", emulatorUrl, "--stream", "acme-sdk", "--create", "--retention", "1", join(here, "..", "fixtures", "h264-aac.mkv")]);
  await run(["ingest", "--endpoint", emulatorUrl, "--stream", "other-sdk", "--create", "--retention", "1", join(here, "..", "fixtures", "h264.mkv")]);
  await clockPasses(Date.now() + 1000);
});

after(() => {
  gateway?.kill("SIGKILL");
  rmSync(dataPath, { recursive: true, force: true });
});

test("a tenant's keys get the gateway as data endpoint and a playable session URL on it", async () => {
  const { DataEndpoint } = await control().send(new GetDataEndpointCommand({ StreamName: "acme-sdk", APIName: "GET_DASH_STREAMING_SESSION_URL" }));
  assert.equal(DataEndpoint, gatewayUrl);
  const { DASHStreamingSessionURL } = await media(DataEndpoint).send(onDemand("acme-sdk"));
  assert.ok(DASHStreamingSessionURL.startsWith(`${gatewayUrl}/dash/v1/getDASHManifest.mpd?SessionToken=`));
  const mpd = await (await fetch(DASHStreamingSessionURL)).text();
  assert.match(mpd, /<MPD /);
  assert.ok(!mpd.includes(emulatorUrl.split("//")[1]), "the origin's address never reaches the client");
});

test("a wrong secret, a stale clock and a body changed after signing are refused as AWS refuses them", async () => {
  await assert.rejects(media(gatewayUrl, { ...tenant, secretAccessKey: "wrong" }).send(onDemand("acme-sdk")), { name: "InvalidSignatureException" });
  await assert.rejects(media(gatewayUrl, tenant, { systemClockOffset: -10 * 60 * 1000 }).send(onDemand("acme-sdk")), { name: "RequestExpired" });

  const tampered = media(gatewayUrl);
  tampered.middlewareStack.add((next) => async (args) => {
    const body = typeof args.request.body === "string" ? args.request.body : new TextDecoder().decode(args.request.body);
    args.request.body = body.replace("acme-sdk", "acme-sdx");
    return next(args);
  }, { step: "finalizeRequest", priority: "low", name: "tamperAfterSigning" });
  await assert.rejects(tampered.send(onDemand("acme-sdk")), { name: "InvalidSignatureException" });

  await assert.rejects(media(gatewayUrl, { accessKeyId: "AKIDNOBODY", secretAccessKey: "x" }).send(onDemand("acme-sdk")), { name: "UnrecognizedClientException" });
});

test("another tenant's stream is answered exactly like a stream that does not exist", async () => {
  const foreign = await media(gatewayUrl).send(onDemand("other-sdk")).catch((e) => e);
  const missing = await media(gatewayUrl).send(onDemand("acme-missing")).catch((e) => e);
  assert.equal(foreign.name, "ResourceNotFoundException");
  assert.equal(missing.name, "ResourceNotFoundException");
  assert.equal(foreign.$metadata.httpStatusCode, missing.$metadata.httpStatusCode);
});

const range = () => ({ StartTimestamp: started, EndTimestamp: new Date(Date.now() - 100) });

test("HLS session URLs for every mode and container, each opening a master playlist on the gateway", async () => {
  const { DataEndpoint } = await control().send(new GetDataEndpointCommand({ StreamName: "acme-sdk", APIName: "GET_HLS_STREAMING_SESSION_URL" }));
  assert.equal(DataEndpoint, gatewayUrl);
  const requests = [
    { PlaybackMode: "ON_DEMAND", HLSFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: range() } },
    { PlaybackMode: "ON_DEMAND", ContainerFormat: "MPEG_TS", DiscontinuityMode: "NEVER", DisplayFragmentTimestamp: "ALWAYS", HLSFragmentSelector: { FragmentSelectorType: "PRODUCER_TIMESTAMP", TimestampRange: range() } },
    { PlaybackMode: "LIVE_REPLAY", DiscontinuityMode: "ON_DISCONTINUITY", HLSFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: started } } },
  ];
  for (const request of requests) {
    const { HLSStreamingSessionURL } = await media(DataEndpoint).send(new GetHLSStreamingSessionURLCommand({ StreamName: "acme-sdk", Expires: 600, ...request }));
    assert.ok(HLSStreamingSessionURL.startsWith(`${gatewayUrl}/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=`), HLSStreamingSessionURL);
    const answer = await fetch(HLSStreamingSessionURL);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-type"), "application/vnd.apple.mpegurl");
    const master = await answer.text();
    assert.match(master, /^#EXTM3U/);
    assert.ok(!master.includes(emulatorUrl.split("//")[1]), "the origin's address never reaches the client");
    const media1 = await (await fetch(new URL(master.split("\n").find((l) => l.startsWith("getHLSMediaPlaylist")), HLSStreamingSessionURL))).text();
    assert.equal(media1.includes("#EXT-X-PROGRAM-DATE-TIME"), request.DisplayFragmentTimestamp === "ALWAYS");
    assert.equal(media1.includes("getTSFragment.ts"), request.ContainerFormat === "MPEG_TS");
  }

  // LIVE lists what was ingested in the last 30 s: a stream fed just now.
  await run(["ingest", "--endpoint", emulatorUrl, "--stream", "acme-sdk-live", "--create", "--retention", "1", join(here, "..", "fixtures", "h264.mkv")]);
  const { HLSStreamingSessionURL: live } = await media(gatewayUrl).send(new GetHLSStreamingSessionURLCommand({ StreamName: "acme-sdk-live", PlaybackMode: "LIVE" }));
  const master = await (await fetch(live)).text();
  const playlist = await (await fetch(new URL(master.split("\n").find((l) => l.startsWith("getHLSMediaPlaylist")), live))).text();
  assert.ok(!playlist.includes("#EXT-X-ENDLIST"), "a live playlist does not end");
  assert.match(playlist, /getMP4MediaFragment\.mp4\?FragmentNumber=[0-9]+&SessionToken=/);
});

test("each HLS validation rule is answered with AWS's named exception", async () => {
  const cases = [
    [{ PlaybackMode: "SOMETIMES" }, "InvalidArgumentException"],
    [{ ContainerFormat: "MKV" }, "InvalidArgumentException"],
    [{ DiscontinuityMode: "SOMETIMES" }, "InvalidArgumentException"],
    [{ DisplayFragmentTimestamp: "MAYBE" }, "InvalidArgumentException"],
    [{ Expires: 299 }, "InvalidArgumentException"],
    [{ Expires: 43201 }, "InvalidArgumentException"],
    [{ MaxMediaPlaylistFragmentResults: 0 }, "InvalidArgumentException"],
    [{ MaxMediaPlaylistFragmentResults: 5001 }, "InvalidArgumentException"],
    [{ PlaybackMode: "LIVE", HLSFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: range() } }, "InvalidArgumentException"],
    [{ PlaybackMode: "ON_DEMAND" }, "InvalidArgumentException"],
    [{ PlaybackMode: "ON_DEMAND", HLSFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: started } } }, "InvalidArgumentException"],
    [{ PlaybackMode: "ON_DEMAND", HLSFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: new Date(Date.now() - 26 * 3600e3), EndTimestamp: new Date(Date.now() - 3600e3) } } }, "InvalidArgumentException"],
    [{ PlaybackMode: "ON_DEMAND", HLSFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: new Date(Date.now() - 60e3), EndTimestamp: new Date(Date.now() + 60e3) } } }, "InvalidArgumentException"],
    [{ PlaybackMode: "ON_DEMAND", HLSFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: { StartTimestamp: new Date(Date.now() - 1000), EndTimestamp: new Date(Date.now() - 60e3) } } }, "InvalidArgumentException"],
  ];
  for (const [request, name] of cases) {
    await assert.rejects(media(gatewayUrl).send(new GetHLSStreamingSessionURLCommand({ StreamName: "acme-sdk", ...request })), (e) => {
      assert.equal(e.name, name, JSON.stringify(request));
      assert.equal(e.$metadata.httpStatusCode, 400);
      return true;
    });
  }

  await assert.rejects(media(gatewayUrl).send(new GetHLSStreamingSessionURLCommand({ StreamName: "bad name!" })), { name: "InvalidArgumentException" });
  await assert.rejects(media(gatewayUrl).send(new GetHLSStreamingSessionURLCommand({})), { name: "InvalidArgumentException" });
});

test("GetClip returns the range as one MP4 for the tenant's stream, and another tenant's stream looks missing", async () => {
  const { DataEndpoint } = await control().send(new GetDataEndpointCommand({ StreamName: "acme-sdk", APIName: "GET_CLIP" }));
  const clip = await media(DataEndpoint).send(new GetClipCommand({ StreamName: "acme-sdk", ClipFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: range() } }));
  assert.equal(clip.ContentType, "video/mp4");
  const bytes = await clip.Payload.transformToByteArray();
  assert.equal(new TextDecoder().decode(bytes.subarray(4, 8)), "ftyp");
  assert.ok(bytes.length > 10000);

  const foreign = await media(gatewayUrl).send(new GetClipCommand({ StreamName: "other-sdk", ClipFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: range() } })).catch((e) => e);
  const missing = await media(gatewayUrl).send(new GetClipCommand({ StreamName: "acme-missing", ClipFragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: range() } })).catch((e) => e);
  assert.equal(foreign.name, "ResourceNotFoundException");
  assert.equal(missing.name, foreign.name);
  assert.equal(missing.$metadata.httpStatusCode, foreign.$metadata.httpStatusCode);
  await assert.rejects(media(gatewayUrl).send(new GetClipCommand({ StreamName: "acme-sdk" })), { name: "InvalidArgumentException" });
});

test("ListFragments pages with the SDK's paginator for the tenant's stream, and another tenant's stream looks missing", async () => {
  const { DataEndpoint } = await control().send(new GetDataEndpointCommand({ StreamName: "acme-sdk", APIName: "LIST_FRAGMENTS" }));
  const client = media(DataEndpoint);
  const fragments = [];
  let pages = 0;
  for await (const page of paginateListFragments({ client, pageSize: 2 }, { StreamName: "acme-sdk", FragmentSelector: { FragmentSelectorType: "SERVER_TIMESTAMP", TimestampRange: range() } })) {
    pages++;
    fragments.push(...page.Fragments);
  }

  assert.equal(fragments.length, 3);
  assert.equal(pages, 2);
  for (const f of fragments) {
    assert.match(f.FragmentNumber, /^[0-9]+$/);
    assert.ok(f.ServerTimestamp instanceof Date && f.ProducerTimestamp instanceof Date);
    assert.ok(f.FragmentSizeInBytes > 0 && f.FragmentLengthInMilliseconds > 0);
  }

  const foreign = await client.send(new ListFragmentsCommand({ StreamName: "other-sdk" })).catch((e) => e);
  const missing = await client.send(new ListFragmentsCommand({ StreamName: "acme-missing" })).catch((e) => e);
  assert.equal(foreign.name, "ResourceNotFoundException");
  assert.equal(missing.name, foreign.name);
  await assert.rejects(client.send(new ListFragmentsCommand({ StreamName: "acme-sdk", MaxResults: 1001 })), { name: "InvalidArgumentException" });
  await assert.rejects(client.send(new ListFragmentsCommand({ StreamName: "acme-sdk", NextToken: "not a token!" })), { name: "InvalidArgumentException" });
});
