-- wrk script: cycle through the search URLs in scripts/loadtest_urls.txt, one per request.
local urls = {}
local counter = 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then urls[#urls + 1] = line end
  end
end

function request()
  counter = counter + 1
  return wrk.format("GET", urls[(counter % #urls) + 1])
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f errors=%d non2xx=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    errors, summary.errors.status))
end
