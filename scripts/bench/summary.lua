-- Appended to both scripts: wrk's summary as one JSON line (latency percentiles in ms).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("JSON{\"requests\": %d, \"errors\": %d, \"non2xx\": %d, \"p50\": %f, "
    .. "\"p90\": %f, \"p99\": %f}\n", summary.requests, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000))
end
