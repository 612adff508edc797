-- Each question of a file once, in order, on one keep-alive connection: one-client latency.
-- QA_BENCH_BODIES names the lines (one per line: a JSON body, or with QA_BENCH_PEER=1 a GET path for txtai's
-- API); QA_BENCH_FINISHED a file created after the last answer.
local lines = {}
local lines_file, finished = os.getenv("QA_BENCH_BODIES"), os.getenv("QA_BENCH_FINISHED")
local peer = os.getenv("QA_BENCH_PEER") == "1"
for line in io.lines(lines_file) do lines[#lines + 1] = line end
local n = 0
request = function()
  n = math.min(n + 1, #lines)
  if peer then return wrk.format("GET", lines[n]) end
  return wrk.format("POST", "/api/v1/ask", {["Content-Type"] = "application/json"}, lines[n])
end
response = function(status, headers, body)
  if n >= #lines then
    wrk.thread:stop()
    io.open(finished, "w"):close()  -- wrk's main thread sleeps out -d unless interrupted: bench.py does it
  end
end
