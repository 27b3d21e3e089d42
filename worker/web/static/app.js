/* hcd dashboard: copy buttons, live refresh, the schedule preview.
 * Plain JavaScript from this file only (the pages' CSP forbids inline
 * script); the server renders every page fully without it. */
(function () {
	"use strict";

	function $(sel, root) { return (root || document).querySelector(sel); }
	function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
	function csrf() { var m = $('meta[name="csrf-token"]'); return m ? m.content : ""; }

	/* the phone menu */
	var toggle = $(".nav-toggle");
	if (toggle) toggle.addEventListener("click", function () {
		$(".nav-menu").classList.toggle("open");
	});

	/* copy buttons: data-copy holds the text */
	$$("[data-copy]").forEach(function (b) {
		b.addEventListener("click", function () {
			var text = b.getAttribute("data-copy"), old = b.textContent;
			function done() { b.textContent = "Copied!"; setTimeout(function () { b.textContent = old; }, 1200); }
			if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, done);
			else {
				var t = document.createElement("textarea");
				t.value = text; document.body.appendChild(t); t.select();
				try { document.execCommand("copy"); } catch (e) { /* ignore */ }
				document.body.removeChild(t); done();
			}
		});
	});

	/* tabs: buttons with data-tab show the element with that id */
	$$(".tabs").forEach(function (tabs) {
		var btns = $$("button[data-tab]", tabs);
		btns.forEach(function (b) {
			b.addEventListener("click", function () {
				btns.forEach(function (o) {
					o.classList.toggle("on", o === b);
					var p = document.getElementById(o.getAttribute("data-tab"));
					if (p) p.classList.toggle("hidden", o !== b);
				});
			});
		});
	});

	/* confirm before destructive submits */
	$$("form[data-confirm]").forEach(function (f) {
		f.addEventListener("submit", function (e) {
			if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
		});
	});

	function getJSON(url, cb) {
		var x = new XMLHttpRequest();
		x.open("GET", url);
		x.setRequestHeader("Accept", "application/json");
		x.onload = function () { if (x.status === 200) { try { cb(JSON.parse(x.responseText)); } catch (e) { /* ignore */ } } };
		x.send();
	}
	function setStatus(el, status) {
		el.className = el.className.replace(/\b(up|grace|down|new|paused|started)\b/g, "").trim() + " " + status;
	}

	/* checks list: poll the statuses, update rows and tag pills in place */
	var list = $("#checks-table");
	if (list) {
		var url = list.getAttribute("data-status-url");
		setInterval(function () {
			getJSON(url, function (d) {
				var seen = {};
				d.details.forEach(function (c) {
					seen[c.code] = 1;
					var row = document.getElementById("c-" + c.code);
					if (!row) { list.setAttribute("data-stale", "1"); return; }
					var ic = $(".icon", row);
					setStatus(ic, c.started ? c.status + " started" : c.status);
					ic.title = c.status;
					row.setAttribute("data-status", c.status);
					$(".last", row).textContent = c.last_ping;
					$(".dur", row).textContent = c.last_duration;
				});
				Object.keys(d.tags).forEach(function (t) {
					$$('.tags a.tag[data-tag]').forEach(function (a) {
						if (a.getAttribute("data-tag") === t) setStatus(a, d.tags[t]);
					});
				});
				/* a check added elsewhere: fetch the page once, keep the scroll */
				if (list.getAttribute("data-stale") === "1") {
					list.removeAttribute("data-stale");
					var x = new XMLHttpRequest();
					x.open("GET", location.href);
					x.onload = function () {
						if (x.status !== 200) return;
						var doc = new DOMParser().parseFromString(x.responseText, "text/html");
						var fresh = doc.getElementById("checks-table");
						if (fresh) $("tbody", list).innerHTML = $("tbody", fresh).innerHTML;
						var tags = doc.querySelector(".tags"), mine = $(".tags");
						if (tags && mine) mine.innerHTML = tags.innerHTML;
					};
					x.send();
				}
			});
		}, 3000);
	}

	/* projects overview: poll each project's worst status */
	var projects = $("#projects");
	if (projects) {
		var rurl = projects.getAttribute("data-refresh-url");
		setInterval(function () {
			getJSON(rurl, function (d) {
				$$("a.project[data-code]", projects).forEach(function (a) {
					var p = d[a.getAttribute("data-code")];
					if (!p) return;
					a.setAttribute("data-status", p.status);
					var ic = $(".icon", a);
					if (ic) setStatus(ic, p.started ? p.status + " started" : p.status);
				});
			});
		}, 10000);
	}

	/* check details: poll the status and the event log */
	var details = $("#check-details");
	if (details) {
		var surl = details.getAttribute("data-status-url");
		setInterval(function () {
			getJSON(surl, function (d) {
				var ic = $("#status-icon");
				if (ic) setStatus(ic, d.started ? d.status + " started" : d.status);
				var st = $("#status-text");
				if (st) { st.textContent = d.status_text; setStatus(st, d.status); }
				var log = $("#events tbody");
				if (log && d.events_html !== undefined && log.getAttribute("data-sig") !== d.events_sig) {
					log.innerHTML = d.events_html;
					log.setAttribute("data-sig", d.events_sig);
				}
			});
		}, 3000);
	}

	/* event log kind filters */
	var filters = $("#log-filters");
	if (filters) {
		function apply() {
			var on = {};
			$$("input[type=checkbox]", filters).forEach(function (c) { on[c.value] = c.checked; });
			$$("#events tbody tr").forEach(function (tr) {
				var k = tr.getAttribute("data-kind");
				tr.classList.toggle("hidden", on[k] === false);
			});
		}
		filters.addEventListener("change", apply);
	}

	/* period and grace: slider and number+unit kept in step */
	$$(".duration").forEach(function (box) {
		var range = $("input[type=range]", box), num = $("input[type=number]", box),
		    unit = $("select", box), hidden = $("input[type=hidden]", box);
		function fromHidden() {
			var s = parseInt(hidden.value, 10) || 0, u = 86400;
			if (s % 86400) u = s % 3600 ? 60 : 3600;
			unit.value = String(u); num.value = s / u; range.value = s;
		}
		function fromNum() { hidden.value = Math.round((parseFloat(num.value) || 0) * parseInt(unit.value, 10)); range.value = hidden.value; }
		range.addEventListener("input", function () { hidden.value = range.value; fromHidden(); });
		num.addEventListener("input", fromNum);
		unit.addEventListener("change", fromNum);
		fromHidden();
	});

	/* schedule kind switch */
	$$("input[name=kind]").forEach(function (r) {
		r.addEventListener("change", function () {
			$$("[data-kind-pane]", r.form).forEach(function (p) {
				p.classList.toggle("hidden", p.getAttribute("data-kind-pane") !== (r.value === "simple" ? "simple" : "schedule"));
			});
		});
	});

	/* cron / OnCalendar preview: validated by the server as you type */
	var sched = $("#schedule-form");
	if (sched) {
		var timer = null, purl = sched.getAttribute("data-preview-url");
		function preview() {
			var kind = ($("input[name=kind]:checked", sched) || {}).value;
			if (kind === "simple") return;
			var body = "kind=" + encodeURIComponent(kind) + "&schedule=" + encodeURIComponent($("#schedule", sched).value) +
			    "&tz=" + encodeURIComponent($("#tz", sched).value);
			var x = new XMLHttpRequest();
			x.open("POST", purl);
			x.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
			x.setRequestHeader("X-CSRF-Token", csrf());
			x.onload = function () {
				if (x.status !== 200) return;
				var d = JSON.parse(x.responseText), out = $("#preview");
				$("#schedule", sched).classList.toggle("invalid", !d.result);
				$("#tz", sched).classList.toggle("invalid", d.tz_ok === false);
				$("#schedule-save", sched).disabled = !d.result;
				out.innerHTML = "";
				if (!d.result) { var e = document.createElement("p"); e.className = "error-text"; e.textContent = d.error; out.appendChild(e); return; }
				var t = document.createElement("table"); t.className = "preview";
				d.runs.forEach(function (r) {
					var tr = document.createElement("tr");
					[r.local, r.utc, r.rel].forEach(function (v) { var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
					t.appendChild(tr);
				});
				var h = document.createElement("p"); h.className = "help"; h.textContent = "Expected ping dates:";
				out.appendChild(h); out.appendChild(t);
			};
			x.send(body);
		}
		["#schedule", "#tz"].forEach(function (s) {
			var el = $(s, sched);
			if (el) el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(preview, 250); });
		});
		$$("input[name=kind]", sched).forEach(function (r) { r.addEventListener("change", preview); });
	}
})();
