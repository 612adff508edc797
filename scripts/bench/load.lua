-- New questions from every connection (never the same twice): throughput under concurrent load.
local counter = 0
local topics = {"pimples", "redness", "swelling", "breakouts", "whiteheads", "itching", "peeling", "bumps"}
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) n = 0 end
request = function()
  n = n + 1
  local q = "Is it normal to have " .. topics[(n % #topics) + 1] .. " after session " .. id .. "-" .. n .. "?"
  return wrk.format("POST", "/api/v1/ask", {["Content-Type"] = "application/json"}, '{"question": "' .. q .. '"}')
end
