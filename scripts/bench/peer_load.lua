-- The peer (txtai's API): new questions from every connection, as load.lua asks the service.
local counter = 0
local topics = {"pimples", "redness", "swelling", "breakouts", "whiteheads", "itching", "peeling", "bumps"}
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) n = 0 end
request = function()
  n = n + 1
  local q = "Is%20it%20normal%20to%20have%20" .. topics[(n % #topics) + 1] .. "%20after%20session%20" .. id .. "-" .. n .. "%3F"
  return wrk.format("GET", "/search?limit=3&query=" .. q)
end
