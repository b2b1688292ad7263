// The AWS SDK for JavaScript v3, unchanged, against the gateway with a tenant's keys: it gets data
// endpoints and session URLs, and SigV4 failures come back as AWS's named exceptions.
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
import { KinesisVideoArchivedMediaClient, GetDASHStreamingSessionURLCommand } from "@aws-sdk/client-kinesis-video-archived-media";

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
