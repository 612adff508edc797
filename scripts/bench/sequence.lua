-- Each question of a file once, in order, on one keep-alive connection: one-client latency.
-- QA_BENCH_BODIES names the JSON bodies (one per line); QA_BENCH_FINISHED a file created after the last answer.
local bodies = {}
local bodies_file, finished = os.getenv("QA_BENCH_BODIES"), os.getenv("QA_BENCH_FINISHED")
for line in io.lines(bodies_file) do bodies[#bodies + 1] = line end
local n = 0
request = function()
  n = math.min(n + 1, #bodies)
  return wrk.format("POST", "/api/v1/ask", {["Content-Type"] = "application/json"}, bodies[n])
end
response = function(status, headers, body)
  if n >= #bodies then
    wrk.thread:stop()
    io.open(finished, "w"):close()  -- wrk's main thread sleeps out -d unless interrupted: bench.py does it
  end
end
