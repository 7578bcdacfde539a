// pa11y (HTML_CodeSniffer, WCAG 2 AA) on every URL given, in one Debian Chromium; JSON on stdout:
// {url: [{code, message, selector, context}]}. Run by tests/book/test_html_checkers.py.
import pa11y from "pa11y";
import puppeteer from "puppeteer";

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const results = {};
try {
  for (const url of process.argv.slice(2)) {
    const page = await browser.newPage();
    const result = await pa11y(url, {
      browser,
      page,
      standard: "WCAG2AA",
      runners: ["htmlcs"],
      includeWarnings: false,
      includeNotices: false,
      timeout: 60000,
    });
    results[url] = result.issues.map(({ code, message, selector, context }) => ({
      code, message, selector, context,
    }));
    await page.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results, null, 1));
