-- New questions from every connection (never the same twice): throughput under concurrent load.
-- QA_BENCH_PEER=1 asks as txtai's API is asked (GET /search), else as the service is (POST /api/v1/ask).
local counter = 0
local topics = {"pimples", "redness", "swelling", "breakouts", "whiteheads", "itching", "peeling", "bumps"}
local peer = os.getenv("QA_BENCH_PEER") == "1"
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) n = 0 end
request = function()
  n = n + 1
  local q = "Is it normal to have " .. topics[(n % #topics) + 1] .. " after session " .. id .. "-" .. n .. "?"
  if peer then
    return wrk.format("GET", "/search?limit=3&query=" .. q:gsub("[^%w%-]", function(c) return string.format("%%%02X", string.byte(c)) end))
  end
  return wrk.format("POST", "/api/v1/ask", {["Content-Type"] = "application/json"}, '{"question": "' .. q .. '"}')
end
