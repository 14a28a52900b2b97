"""Shared pieces of the browser tests and the screenshot script: breakoutd nodes on a test
database, headless Chromium sessions driven by Selenium, and small bounded waits."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "Tests", "shared"))
from api_call import free_port, request  # noqa: E402  (after the path it is found on)


def answers_ready(base):
    """Whether `base`/readyz answers 200 now (a node, or nginx in front of nodes)."""
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


class Node:
    """A `breakoutd serve` process on a loopback port."""

    def __init__(self, name, port=None, env=None):
        self.name = name
        self.extra_env = dict(env or {})
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout=60):
        env = dict(os.environ)
        env.update(PORT=str(self.port), HOST="127.0.0.1", NODE_ID=self.name, LOG_LEVEL=env.get("LOG_LEVEL", "error"),
                   BREAKOUT_HEARTBEAT_SECONDS="2")
        env.update(self.extra_env)
        if os.path.isdir(os.path.join(REPO, "sql")) and "BREAKOUT_SQL_DIR" not in os.environ:
            env["BREAKOUT_SQL_DIR"] = os.path.join(REPO, "sql")
        binary = os.environ.get("BREAKOUTD_BIN") or os.path.join(REPO, ".build", "debug", "breakoutd")
        self.process = subprocess.Popen([binary, "serve"], env=env, cwd=REPO)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} exited with {self.process.returncode}")
            if answers_ready(self.base):
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"node {self.name} did not become ready in {timeout} s")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def api(base, method, path, token=None, body=None, content_type="application/json"):
    """One HTTP call; returns (status, parsed JSON or None), for error statuses too: the tests
    check refusals as much as successes."""
    try:
        return request(base, method, path, token, body, content_type, timeout=30)
    except urllib.error.HTTPError as e:
        text = e.read()
        try:
            return e.code, json.loads(text)
        except ValueError:
            return e.code, None


# axe-core, as scripts/lib/browser.sh installs it, and the rules it checks: WCAG 2.1, levels A and AA.
AXE_JS = os.path.join(REPO, ".data", "axe-core", "selenium_axe_python", "axe-core", "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


class AccessibilityViolations(AssertionError):
    """A screen with violations of impact "serious" or "critical"."""


def chromium_binary():
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if os.path.exists(candidate):
            return candidate
    raise RuntimeError("Chromium is not installed (apt-get install chromium chromium-driver)")


class Browser:
    """One person's own browser (its own profile, so its own sessionStorage)."""

    def __init__(self, label, width=1280, height=900, media=False):
        """`media`: a fake camera and microphone (a test pattern and a beep), allowed without asking,
        and sound that plays without a click first."""
        self.label = label
        self.profile = tempfile.mkdtemp(prefix=f"breakout-chromium-{label}-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium_binary()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={width},{height}", f"--user-data-dir={self.profile}",
                         "--no-first-run", "--disable-extensions", "--lang=en-US"):
            options.add_argument(argument)
        if media:
            for argument in ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                             "--autoplay-policy=no-user-gesture-required"):
                options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
        self.driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)
        self.console = []

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # Finding and waiting, always bounded.

    def wait(self, condition, what, timeout=20):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(
            lambda d: condition(), message=f"{self.label}: timed out after {timeout} s waiting for {what}")

    def find(self, testid, within=None):
        return (within or self.driver).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def find_all(self, testid, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def displayed(self, testid, within=None):
        """The displayed elements with this test id (elements removed while looking are left out)."""
        found = []
        for element in self.find_all(testid, within):
            try:
                if element.is_displayed():
                    found.append(element)
            except StaleElementReferenceException:
                pass
        return found

    def visible(self, testid, what=None, timeout=20):
        return self.wait(lambda: (self.displayed(testid) or [None])[0], what or f"{testid} to be visible", timeout)

    def hidden(self, testid, what=None, timeout=20):
        return self.wait(lambda: not self.displayed(testid), what or f"{testid} to be hidden", timeout)

    def count(self, testid):
        return len(self.displayed(testid))

    def text_of(self, testid):
        try:
            return " ".join(e.text for e in self.displayed(testid))
        except StaleElementReferenceException:  # re-rendered while reading
            return ""

    def wait_text(self, testid, text, timeout=20):
        self.wait(lambda: text in self.text_of(testid), f'"{text}" in {testid} (now: "{self.text_of(testid)}")', timeout)

    def click(self, testid, within=None, timeout=20):
        def ready():
            for element in self.displayed(testid, within):
                try:
                    if element.is_enabled():
                        return element
                except StaleElementReferenceException:
                    pass
            return None
        element = self.wait(ready, f"{testid} to be clickable", timeout)
        element.click()
        return element

    def card(self, testid, containing, timeout=20):
        """The visible element with this test id whose text contains `containing`."""
        def found():
            for element in self.find_all(testid):
                try:
                    if element.is_displayed() and containing in element.text:
                        return element
                except Exception:
                    pass
            return None
        return self.wait(found, f'{testid} containing "{containing}"', timeout)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def check_accessibility(self, screen):
        """Runs axe-core on the page as it is now; raises AccessibilityViolations naming each serious or
        critical violation (rule, where, help), and prints the milder ones' rule ids as a note."""
        with open(AXE_JS) as f:
            self.js(f.read())
        violations = json.loads(self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
              .then((results) => done(JSON.stringify(results.violations)), (error) => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', help: String(error), helpUrl: '', nodes: [] }])));
        """, AXE_TAGS))
        bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
        mild = sorted({v["id"] for v in violations} - {v["id"] for v in bad})
        if mild:
            print(f"    {screen}: minor or moderate only, not counted: {', '.join(mild)}")
        if bad:
            lines = [f"{screen}: {len(bad)} serious or critical accessibility violation(s)"]
            for v in bad:
                targets = [" ".join(map(str, node.get("target", []))) for node in v.get("nodes", [])]
                lines.append(f"  {v['id']} ({v['impact']}): {v['help']} ({v.get('helpUrl', '')})")
                lines += [f"    at {target}" for target in targets[:8]]
                if len(targets) > 8:
                    lines.append(f"    … and {len(targets) - 8} more")
            raise AccessibilityViolations("\n".join(lines))

    def save_artifacts(self, folder, step):
        os.makedirs(folder, exist_ok=True)
        stem = os.path.join(folder, f"{step}-{self.label}")
        try:
            self.driver.save_screenshot(stem + ".png")
        except Exception as e:  # keep going: the log matters too
            print(f"  (no screenshot of {self.label}: {e})")
        try:
            self.console += self.driver.get_log("browser")
        except Exception:
            pass
        with open(stem + ".console.log", "w") as f:
            for entry in self.console:
                f.write(f"{entry.get('level')} {entry.get('message')}\n")
        return stem
