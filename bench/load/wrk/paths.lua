-- Requests the paths of a file (one per line) in turn, and reports as JSON what the harness checks:
-- requests, bytes, every kind of error and the latency percentiles. Bodies are not kept (that would
-- cost wrk's core); full length is checked from the bytes read against requests × expected size.
local paths = {}
local i = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"bytes":%d,"seconds":%.3f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_ms":%.3f,"p99_ms":%.3f}\n',
    summary.requests, summary.bytes, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
