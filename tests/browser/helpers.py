"""Helpers of the browser journeys: one person's browser context, screenshots, keyboard navigation and the
axe-core accessibility check."""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE_PATH = ROOT / "instance" / "vendor" / "axe.min.js"
DEMO_PASSWORD = "Demo2026pass"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15_000
BLOCKING_IMPACTS = ("serious", "critical")


def tiny_pdf(text: str = "test document") -> bytes:
    """A valid one-page PDF (bytes start with %PDF-)."""
    from app.competitions.seed import tiny_pdf as make
    return make(text)


def digits(text: str) -> int:
    """The integer written in ``text`` with any grouping (``1 234 567 ₸`` → 1234567)."""
    found = re.sub(r"\D", "", text or "")
    return int(found) if found else 0


class Person:
    """One person in a journey: a fresh browser context and its page."""

    def __init__(self, browser, base_url: str, name: str, locale: str, folder: Path, counter):
        self.name = name
        self.base_url = base_url
        self.folder = folder
        self.counter = counter
        self.context = browser.new_context(base_url=base_url, locale=locale, timezone_id="Asia/Almaty",
                                           viewport={"width": 1280, "height": 900}, accept_downloads=True)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._accept_dialog)
        self.console_errors: list[str] = []
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        # CSP refusals (an inline script or style the policy blocks) break the page's enhancements silently.
        if message.type == "error" and "Refused to" in message.text:
            self.console_errors.append(message.text)

    def _accept_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.accept()

    def close(self) -> None:
        try:
            self.context.close()
        except Exception:  # the browser may already be gone at the end of the session
            pass

    # --- navigation ----------------------------------------------------------------------------------------

    def goto(self, path: str):
        response = self.page.goto(path)
        assert response is not None and response.status < 400, f"{self.name}: GET {path} -> " \
            f"{response.status if response else 'no response'}"
        return response

    def shot(self, label: str) -> Path:
        number = next(self.counter)
        path = self.folder / f"{number:02d}-{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.goto("/account/login")
        form = self.page.locator("main form")
        form.locator("input[name=email]").fill(email)
        form.locator("input[name=password]").fill(password)
        with self.page.expect_navigation():
            form.locator("[type=submit]").click()
        assert "/dashboard" in self.page.url, f"{email} could not sign in: {self.flash_text()}"

    def login_with_keyboard(self, email: str, password: str = DEMO_PASSWORD) -> None:
        """Reach the login form with Tab alone, type, submit with Enter."""
        self.goto("/account/login")
        self.page.keyboard.press("Tab")
        assert self.active("el.classList.contains('skip')"), "the first Tab does not reach the skip link"
        assert self.page.evaluate("() => document.activeElement.getBoundingClientRect().left >= 0"), \
            "the skip link stays off screen when focused"
        tab_to(self.page, "el.name === 'email'")
        assert_focus_visible(self.page)
        self.page.keyboard.type(email)
        self.page.keyboard.press("Tab")
        assert self.active("el.name") == "password", "Tab from the e-mail field does not reach the password"
        self.page.keyboard.type(password)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        assert "/dashboard" in self.page.url, f"{email} could not sign in with the keyboard: {self.flash_text()}"

    def switch_language_with_keyboard(self, code: str) -> None:
        tab_to(self.page, f"el.tagName === 'A' && el.getAttribute('hreflang') === '{code}'")
        assert_focus_visible(self.page)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        assert self.page.locator("html").get_attribute("lang") == code

    def active(self, expression: str):
        return self.page.evaluate(f"() => {{ const el = document.activeElement; return {expression}; }}")

    def flash_text(self) -> str:
        flashes = self.page.locator(".flashes")
        return flashes.inner_text() if flashes.count() else ""

    def submit_and_wait(self, locator) -> None:
        with self.page.expect_navigation():
            locator.click()


def tab_to(page, condition: str, limit: int = 60) -> None:
    """Press Tab until ``condition`` (JS over ``el``, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({condition}); }}"):
            return
    raise AssertionError(f"{limit} Tab presses did not reach an element where {condition}")


def assert_focus_visible(page) -> None:
    """The focused element shows a focus indicator (an outline or a box shadow)."""
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return {outline: s.outlineStyle, width: parseFloat(s.outlineWidth) || 0, shadow: s.boxShadow}; }""")
    visible = (style["outline"] not in ("none", "") and style["width"] > 0) or style["shadow"] not in ("none", "")
    assert visible, f"the focused element has no visible focus indicator: {style}"


def check_a11y(person: Person, label: str = "") -> list[dict]:
    """Run axe-core (WCAG 2 A and AA rules) on the current page; fail on serious or critical violations.

    axe is served by the live server (``/__axe.js``, same origin) because the app's CSP forbids inline
    scripts. Every violation, whatever its impact, is appended to a11y.jsonl beside the journey's screenshots.
    """
    page = person.page
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=person.base_url + "/__axe.js")
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]},
                                                resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                                      summary: (n.failureSummary || "").slice(0, 300)}))}));
    }""")
    path = page.url.replace(person.base_url, "")
    if violations:
        with (person.folder / "a11y.jsonl").open("a", encoding="utf-8") as report:
            for v in violations:
                report.write(json.dumps({"page": path, "label": label, "person": person.name, **v},
                                        ensure_ascii=False) + "\n")
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        lines = [f"axe-core: {len(blocking)} serious/critical WCAG 2 A/AA violation(s) on {path} ({label}):"]
        for v in blocking:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
            for node in v["nodes"][:8]:
                lines.append(f"      {node['target']}  {node['html']}")
                if node["summary"]:
                    lines.append("        " + node["summary"].replace("\n", "\n        "))
        raise AssertionError("\n".join(lines))
    return violations
