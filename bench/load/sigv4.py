#!/usr/bin/env python3
"""SigV4 for bench/load, standard library only: `session URL COUNT` prints COUNT LIVE session URLs of
a stream from the gateway; `presign URL` prints a presigned GetDASHStreamingSessionURL request
(URL and body) that wrk can replay until it expires."""
import datetime, hashlib, hmac, json, sys, urllib.parse, urllib.request

KEY, SECRET, REGION, SERVICE = "AKIDBENCHTENANT", "bench-tenant-secret", "us-east-1", "kinesisvideo"

def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()

def _signing_key(day):
    return _hmac(_hmac(_hmac(_hmac(("AWS4" + SECRET).encode(), day), REGION), SERVICE), "aws4_request")

def _sign(method, url, body, query_signing=False, expires=300):
    parsed = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{REGION}/{SERVICE}/aws4_request"
    payload = hashlib.sha256(body).hexdigest()
    if query_signing:
        params = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": f"{KEY}/{scope}", "X-Amz-Date": stamp,
                  "X-Amz-Expires": str(expires), "X-Amz-SignedHeaders": "host"}
        query = "&".join(f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}" for k, v in sorted(params.items()))
        canonical = "\n".join([method, parsed.path, query, f"host:{parsed.netloc}", "", "host", payload])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(_signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return f"{parsed.path}?{query}&X-Amz-Signature={signature}", {}
    headers = {"host": parsed.netloc, "x-amz-content-sha256": payload, "x-amz-date": stamp}
    signed = ";".join(sorted(headers))
    canonical = "\n".join([method, parsed.path, "", "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signature = hmac.new(_signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = f"AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders={signed}, Signature={signature}"
    return parsed.path, headers

def session(gateway, stream):
    body = json.dumps({"StreamName": stream, "PlaybackMode": "LIVE", "Expires": 3600}).encode()
    path, headers = _sign("POST", gateway + "/getDASHStreamingSessionURL", body)
    request = urllib.request.Request(gateway + path, data=body, method="POST", headers={**headers, "content-type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["DASHStreamingSessionURL"]

if __name__ == "__main__":
    verb, gateway = sys.argv[1], sys.argv[2]
    if verb == "session":
        for _ in range(int(sys.argv[4])):
            print(session(gateway, sys.argv[3]))
    elif verb == "presign":
        body = json.dumps({"StreamName": sys.argv[3], "PlaybackMode": "LIVE"}).encode()
        path, _ = _sign("POST", gateway + "/getDASHStreamingSessionURL", body, query_signing=True)
        print(path)
        print(body.decode())
