-- POST /a/{token}/page/measures (five answers and the CSRF token), cycling through the link
-- tokens in a file; saving a page again is allowed. A 303 back to the same page means the
-- answers were refused (counted as "refused"); any other 303 is a saved page.
-- wrk ... -s bench/page_save.lua URL -- "csrftoken=COOKIE" FORM_BODY TOKENS_FILE
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

local cookie, body, tokens
local sent = 0
counters = {refused = 0}

function init(args)
   cookie, body, tokens = args[1], args[2], read_lines(args[3])
end

function request()
   local token = tokens[(sent + thread_index) % #tokens + 1]
   sent = sent + 1
   return wrk.format("POST", "/a/" .. token .. "/page/measures", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = cookie,
   }, body)
end

local count_status = response
function response(status, headers, body)
   count_status(status, headers, body)
   local location = headers["location"] or headers["Location"] or ""
   if status == 303 and location:find("/page/measures", 1, true) then
      counters.refused = counters.refused + 1
   end
end
