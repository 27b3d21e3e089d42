// The dashboard in a real browser: sign-up, log-in by link and by
// password, log-out; a check created, pinged with curl and seen to turn
// up without a reload; a cron schedule edited with the server's
// preview; pause and resume, the tag filter, the event log and a
// ping's body; deleting a check.  Screenshots of the main pages at
// desktop and phone widths go to $HCD_OUT.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const URL_ = process.env.HCD_URL;
const LOG = process.env.HCD_LOG;
const OUT = process.env.HCD_OUT || "tests/browser/output";
const EMAIL = "browser@example.org";
const PASSWORD = "correct horse battery";

let failed = 0;
async function step(name, fn) {
	const t0 = Date.now();
	try {
		await fn();
		console.log(`ok   ${name} (${Date.now() - t0} ms)`);
	} catch (e) {
		failed++;
		console.log(`FAIL ${name}: ${e.stack || e}`);
	}
}

function logLength() { return readFileSync(LOG, "utf8").length; }
async function linkFromLog(email, since) {
	const re = new RegExp(`login link for ${email.replace(/[.@]/g, "\\$&")}: (\\S+)`, "g");
	for (let i = 0; i < 100; i++) {
		const found = [...readFileSync(LOG, "utf8").slice(since).matchAll(re)];
		if (found.length) return found[found.length - 1][1];
		await new Promise((r) => setTimeout(r, 50));
	}
	throw new Error("no login link in the log");
}
function curl(...args) { return execFileSync("curl", ["-fsS", "-m", "10", ...args]).toString(); }

async function shots(page, name) {
	await page.screenshot({ path: `${OUT}/${name}-desktop.png`, fullPage: true });
	const phone = await page.context().browser().newContext({
		viewport: { width: 390, height: 844 }, isMobile: true,
		storageState: await page.context().storageState() });
	const p = await phone.newPage();
	await p.goto(page.url());
	await p.screenshot({ path: `${OUT}/${name}-phone.png`, fullPage: true });
	await phone.close();
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true,
	args: ["--no-sandbox", "--disable-dev-shm-usage"] });
const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
const page = await ctx.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
page.on("dialog", (d) => d.accept());
let project = "", code = "";

try {
	await step("sign up, then log in by the link from the log", async () => {
		await page.goto(URL_ + "/");
		assert.match(page.url(), /\/accounts\/login\/$/);
		await shots(page, "01-login");
		const since = logLength();
		await page.fill("#signup-email", EMAIL);
		await page.click("#sign-up");
		await page.waitForSelector("text=Check your email");
		const link = await linkFromLog(EMAIL, since);
		await page.goto(link);
		await page.waitForSelector("#projects");
		assert.equal(new URL(page.url()).pathname, "/");
		assert.match(await page.textContent("#projects"), /Default Project/);
	});

	await step("set a password, log out, log in by password", async () => {
		await page.click("text=Account");
		await page.fill("#new-password", PASSWORD);
		await page.click("#set-password");
		await page.waitForSelector("text=Your password has been set.");
		await page.click("#logout");
		await page.waitForSelector("#log-in");
		await page.fill("#login-email", EMAIL);
		await page.fill("#login-password", "wrong password");
		await page.click("#log-in");
		await page.waitForSelector("text=Incorrect email or password.");
		await page.fill("#login-email", EMAIL);
		await page.fill("#login-password", PASSWORD);
		await page.click("#log-in");
		await page.waitForSelector("#projects");
		await shots(page, "02-projects");
	});

	await step("log out, log in by an emailed link", async () => {
		await page.click("#logout");
		const since = logLength();
		await page.fill("#link-email", EMAIL);
		await page.click("#send-link");
		await page.waitForSelector("text=Check your email");
		await page.goto(await linkFromLog(EMAIL, since));
		await page.waitForSelector("#projects");
	});

	await step("create a check, ping it with curl, see it turn up without a reload", async () => {
		await page.click("#projects a.project");
		await page.waitForSelector("#checks-table");
		project = page.url().match(/projects\/([0-9a-f-]{36})/)[1];
		assert.match(await page.textContent("#checks-table"), /My First Check/);
		await page.click("#add-check");
		await page.fill("#add-name", "Nightly backup");
		await page.fill("#add-slug", "nightly-backup");
		await page.fill("#add-tags", "prod db");
		await page.click("#add-check-save");
		await page.waitForSelector("#ping-url");
		code = page.url().match(/checks\/([0-9a-f-]{36})/)[1];
		const pingUrl = (await page.textContent("#ping-url")).trim();
		assert.ok(pingUrl.endsWith(code));
		await page.goto(`${URL_}/projects/${project}/checks/`);
		const row = `#c-${code}`;
		await page.waitForSelector(`${row} .icon.new`);
		await page.evaluate(() => { window.__noReload = 1; window.scrollTo(0, 50); });
		curl(pingUrl);
		await page.waitForSelector(`${row} .icon.up`, { timeout: 15000 });
		assert.equal(await page.evaluate(() => window.__noReload), 1);
		assert.notEqual(await page.textContent(`${row} .last`), "Never");
		// a check added in another tab turns up here too, still no reload
		const other = await ctx.newPage();
		await other.goto(`${URL_}/projects/${project}/checks/`);
		await other.click("#add-check");
		await other.fill("#add-name", "Added elsewhere");
		await other.fill("#add-tags", "web");
		await other.click("#add-check-save");
		await other.waitForSelector("#ping-url");
		await other.close();
		await page.waitForSelector("text=Added elsewhere", { timeout: 15000 });
		assert.equal(await page.evaluate(() => window.__noReload), 1);
		await shots(page, "03-checks");
	});

	await step("filter by tag", async () => {
		await page.click('#tag-filter a.tag[data-tag="prod"]');
		await page.waitForURL(/tag=prod/);
		const names = await page.$$eval("#checks-table tbody td.name > a", (a) => a.map((x) => x.textContent));
		assert.deepEqual(names, ["Nightly backup"]);
		assert.ok(await page.$('#tag-filter a.tag.active[data-tag="prod"]'));
		await page.click('#tag-filter a.tag[data-tag="prod"]');
		await page.waitForSelector("text=My First Check");
	});

	await step("edit a cron schedule and watch the preview", async () => {
		await page.goto(`${URL_}/checks/${code}/details/`);
		await page.click("#change-schedule");
		await page.check("#kind-cron");
		await page.fill("#tz", "Europe/Riga");
		await page.fill("#schedule", "0 3 * * *");
		await page.waitForFunction(() => /03:00:00 Europe\/Riga/.test(document.querySelector("#preview").textContent));
		assert.equal(await page.$$eval("#preview tr", (r) => r.length), 5);
		assert.match(await page.textContent("#preview"), /03:00:00 Europe\/Riga/);
		await page.fill("#schedule", "30 4 * * 1");
		await page.waitForFunction(() => /04:30:00/.test(document.querySelector("#preview").textContent));
		await page.fill("#schedule", "99 * * * *");
		await page.waitForSelector("#schedule.invalid");
		assert.ok(await page.isDisabled("#schedule-save"));
		await page.fill("#tz", "Nowhere/Atlantis");
		await page.fill("#schedule", "30 4 * * 1");
		await page.waitForSelector("#tz.invalid");
		await page.fill("#tz", "Europe/Riga");
		await page.waitForFunction(() => !document.querySelector("#schedule-save").disabled);
		await page.screenshot({ path: `${OUT}/05-cron-dialog-desktop.png`, fullPage: true });
		await page.click("#schedule-save");
		await page.waitForSelector("#schedule-text");
		assert.equal((await page.textContent("#schedule-text")).trim(), "30 4 * * 1");
	});

	await step("pause and resume", async () => {
		await page.click("#pause");
		await page.waitForSelector("#resume");
		assert.ok(await page.$("#status-icon.paused"));
		await page.click("#resume");
		await page.waitForSelector("#pause");
		assert.ok(await page.$("#status-icon.new"));
	});

	await step("read the event log and a ping's body", async () => {
		curl("--data-raw", "backup finished: 42 files", `${URL_}/ping/${code}`);
		// the details page's log is live
		await page.waitForSelector("#events tr.success >> text=backup finished: 42 files", { timeout: 15000 });
		assert.ok(await page.$("#status-icon.up"));
		assert.match(await page.textContent("#status-text"), /This check is up/);
		await shots(page, "04-details");
		await page.click("#full-log");
		await page.waitForSelector("#log-filters");
		assert.match(await page.textContent("#events"), /backup finished: 42 files/);
		assert.match(await page.textContent("#events"), /Status changed from/);
		// kind filters hide rows in place
		await page.uncheck('#log-filters input[value="flip"]');
		assert.equal(await page.$$eval('#events tr.flip:not(.hidden)', (r) => r.length), 0);
		await shots(page, "06-log");
		await page.click('#events tr.success a');
		await page.waitForSelector("#ping-body");
		assert.equal((await page.textContent("#ping-body")).trim(), "backup finished: 42 files");
		await shots(page, "07-ping");
	});

	await step("delete a check", async () => {
		await page.goto(`${URL_}/checks/${code}/details/`);
		await page.click("#remove");
		await page.waitForSelector("#checks-table");
		assert.equal(await page.$(`#c-${code}`), null);
	});

	await step("log out", async () => {
		await page.click("#logout");
		await page.waitForSelector("#log-in");
		await page.goto(`${URL_}/projects/${project}/checks/`);
		assert.match(page.url(), /\/accounts\/login\/$/);
	});

	await step("no script errors, no CSP violations", async () => {
		assert.deepEqual(errors, []);
	});
} finally {
	await browser.close();
}
console.log(failed ? `${failed} step(s) failed` : "all steps passed");
process.exit(failed ? 1 : 0);
