// Issue #6: the whole functional suite runs with every gateway also logging at Debug into one
// file (KVSGW_TEST_LOG_CAPTURE, written after redaction). No secret, token or signature may
// appear in it. Run by tests/run.sh after the .NET suites.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const path = process.env.KVSGW_TEST_LOG_CAPTURE;

// Every secret the functional suite configures or sends (tests/KvsGateway.FunctionalTests).
const knownSecrets = [
  "functional-test-secret", "other-tenant-secret", "limited-tenant-secret", "functional-test-admin-token",
  "rated-secret", "capped-secret", "budget-secret", "suspended-secret", "audited-secret", "not-the-secret",
  "secret-from-the-environment", "secret-from-a-file", "FwoGZXIvYXdzEXAMPLE", "wJalrXUtnFEMI",
];

// Shapes of credentials whatever their value: our JWE session tokens and any JWT, SigV4
// signatures in headers or URLs, unredacted token parameters, bearer values, 64-byte key material.
const shapes = [
  ["a JWT or JWE", /eyJ[A-Za-z0-9_-]{8,}\./],
  ["a SigV4 signature", /Signature=[0-9a-fA-F]{16,}/],
  ["a session token parameter", /SessionToken=(?!\[redacted\]|&|\s|$)/],
  ["a presigned credential", /X-Amz-(?:Signature|Security-Token|Credential)=(?!\[redacted\])/i],
  ["a bearer value", /Bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/-]{8,}/],
  ["base64 key material", /[A-Za-z0-9+/]{86}==/],
];

const lines = path ? readFileSync(path, "utf8").split("\n") : [];

test("the functional suite's Debug logs were captured", () => {
  assert.ok(path, "KVSGW_TEST_LOG_CAPTURE is set by tests/run.sh");
  assert.ok(lines.length > 1000, `only ${lines.length} lines captured`);
  assert.ok(lines.some((l) => / Debug /.test(l)), "Debug records are present");
  assert.ok(lines.some((l) => /Request starting HTTP\/1\.1 GET .*SessionToken=\[redacted\]/.test(l)), "request URLs with tokens were logged, redacted");
});

test("no configured secret appears in the captured logs", () => {
  for (const secret of knownSecrets) {
    const hit = lines.find((l) => l.includes(secret));
    assert.equal(hit, undefined, `"${secret}" logged: ${hit}`);
  }
});

test("no token, signature or key shape appears in the captured logs", () => {
  for (const [name, pattern] of shapes) {
    const hit = lines.find((l) => pattern.test(l));
    assert.equal(hit, undefined, `${name} logged: ${hit?.slice(0, 400)}`);
  }
});
