-- POST /bare: the bare Litestar route of bench/answer_form.py (one INSERT through Piccolo).
-- wrk ... -s bench/bare.lua URL
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk_report.lua")

function request()
   return wrk.format("POST", "/bare")
end
