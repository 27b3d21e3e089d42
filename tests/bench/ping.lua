-- wrk script for tests/bench/run: GET /ping/<uuid>, the UUID drawn at
-- random per request from the file named by HCD_BENCH_UUIDS (one a line).
-- With HCD_BENCH_COUNT set, it also counts the answers by status and
-- prints "ok200=<n> other=<n>" when done (the response hook slows wrk,
-- so the measured runs go without it).

local path = os.getenv("HCD_BENCH_UUIDS")
uuids = {}
if path then
	local f = assert(io.open(path, "r"))
	for line in f:lines() do
		if #line > 0 then uuids[#uuids + 1] = line end
	end
	f:close()
end

local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("id", nthreads)
	threads[nthreads] = thread
end

function init(args)
	if #uuids == 0 then
		error("no UUIDs: set HCD_BENCH_UUIDS to a file of check UUIDs")
	end
	math.randomseed(os.time() * 100 + (id or 0))
	reqs = {}
	for i, u in ipairs(uuids) do
		reqs[i] = wrk.format("GET", "/ping/" .. u)
	end
	nreqs = #reqs
	ok, other = 0, 0
end

-- The requests are formatted once, in init: wrk runs the Lua request()
-- hook for every request it sends, and formatting there cost wrk more
-- CPU than the server under test spent on some requests.  A random
-- walk over a table of ready requests keeps the spread.
function request()
	return reqs[math.random(nreqs)]
end

if os.getenv("HCD_BENCH_COUNT") then
	function response(status, headers, body)
		if status == 200 then ok = ok + 1 else other = other + 1 end
	end

	function done(summary, latency, requests)
		local o, x = 0, 0
		for _, t in ipairs(threads) do
			o = o + (t:get("ok") or 0)
			x = x + (t:get("other") or 0)
		end
		io.write(string.format("ok200=%d other=%d\n", o, x))
	end
end
