-- wrk script: at the end, one JSON line with the counts and the latency percentiles (microseconds).
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH-WRK {"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, "socket_errors": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "mean": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
