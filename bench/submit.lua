-- POST /a/{token}/submit, each link token once: wrk thread i of n takes every n-th token of the
-- file from the i-th on. A 303 to "?sent=true" is a first submission (counted as "first");
-- "sent" counts the submissions sent (those still in flight when wrk stops included); when a
-- thread runs out of tokens it sends GET /healthz instead (counted as "exhausted").
-- wrk ... -s bench/submit.lua URL -- "csrftoken=COOKIE" FORM_BODY TOKENS_FILE THREADS
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

local cookie, body, tokens
local next_index
counters = {first = 0, exhausted = 0, sent = 0}

function init(args)
   cookie, body = args[1], args[2]
   local threads = tonumber(args[4])
   tokens = {}
   for number, token in ipairs(read_lines(args[3])) do
      if (number - 1) % threads == thread_index then table.insert(tokens, token) end
   end
   next_index = 1
end

function request()
   local token = tokens[next_index]
   next_index = next_index + 1
   if token == nil then
      counters.exhausted = counters.exhausted + 1
      return wrk.format("GET", "/healthz")
   end
   counters.sent = counters.sent + 1
   return wrk.format("POST", "/a/" .. token .. "/submit", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = cookie,
   }, body)
end

local count_status = response
function response(status, headers, body)
   count_status(status, headers, body)
   local location = headers["location"] or headers["Location"] or ""
   if status == 303 and location:find("sent=true", 1, true) then
      counters.first = counters.first + 1
   end
end
