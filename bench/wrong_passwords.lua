-- POST /login with a wrong password, cycling through the e-mail addresses in a file.
-- wrk ... -s bench/wrong_passwords.lua URL -- "csrftoken=COOKIE" FORM_TOKEN EMAILS_FILE
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

local cookie, token, emails
local sent = 0

function init(args)
   cookie, token, emails = args[1], args[2], read_lines(args[3])
end

function request()
   sent = sent + 1
   local email = emails[(sent + thread_index) % #emails + 1]
   local body = "email=" .. email .. "&password=wrong-password-" .. sent .. "&_csrf_token=" .. token
   return wrk.format("POST", "/login", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = cookie,
   }, body)
end
