-- The peer (txtai's API): each question of a file once, in order, on one keep-alive connection.
-- QA_BENCH_BODIES names the request paths (one per line); QA_BENCH_FINISHED a file created after the last answer.
local paths = {}
local paths_file, finished = os.getenv("QA_BENCH_BODIES"), os.getenv("QA_BENCH_FINISHED")
for line in io.lines(paths_file) do paths[#paths + 1] = line end
local n = 0
request = function()
  n = math.min(n + 1, #paths)
  return wrk.format("GET", paths[n])
end
response = function(status, headers, body)
  if n >= #paths then
    wrk.thread:stop()
    io.open(finished, "w"):close()
  end
end
