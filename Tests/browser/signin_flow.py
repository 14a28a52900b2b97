"""Browser test of campus sign-in: two nodes with sign-in behind the project's nginx, and a real
OpenID Connect provider (oidc-provider-mock, scripts/lib/oidc.sh) with a teacher, Ada, and a
student, Sam. Ada signs in, creates a meeting, finds it in "My meetings", makes and revokes an API
token, and from a second browser comes back as the same host; Sam may not host, joins Ada's
meeting by the provider's name, joins again from a third browser as the same participant, and
signs out.

Part of web_flow.py's run (scripts/test), which starts the provider and passes its client here as
BREAKOUT_TEST_OIDC_ISSUER, BREAKOUT_TEST_OIDC_CLIENT_ID and BREAKOUT_TEST_OIDC_CLIENT_SECRET, with
BREAKOUT_TEST_SIGNIN_PORT, the balancer's port (the redirect URI registered at the provider is
http://127.0.0.1:PORT/auth/callback). Under their own names, so that no other node of the run
signs anyone in. Runs alone too, with DATABASE_URL (and BREAKOUTD_BIN) and those set:
`python3 Tests/browser/signin_flow.py`.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support import REPO, Browser, Node, answers_ready, api
from web_flow import Scenario, check, close_tab_and_reopen, kept_in_browser, run_scenarios, session_of

HOST_POLICY = "claim:eduPersonAffiliation=employee,staff,faculty"
PROVIDER_VARIABLES = ("BREAKOUT_TEST_OIDC_ISSUER", "BREAKOUT_TEST_OIDC_CLIENT_ID", "BREAKOUT_TEST_OIDC_CLIENT_SECRET",
                      "BREAKOUT_TEST_SIGNIN_PORT")


class Balancer:
    """nginx in front of nodes, with the balancer configuration of deploy/ as scripts/lib/nginx.sh
    renders it (the same as scripts/run's)."""

    def __init__(self, port, nodes):
        self.port = port
        self.nodes = nodes
        self.base = f"http://127.0.0.1:{port}"
        self.dir = tempfile.mkdtemp(prefix="breakout-signin-nginx-")

    def start(self, timeout=30):
        ports = [str(node.port) for node in self.nodes]
        subprocess.run(["bash", "-c", 'source scripts/lib/nginx.sh && nginx_render "$1" "127.0.0.1:$2" "${@:3}" && nginx_start "$1"',
                        "nginx", self.dir, str(self.port), *ports], cwd=REPO, check=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if answers_ready(self.base):
                return self
            time.sleep(0.2)
        raise RuntimeError(f"nginx did not answer on {self.base} in {timeout} s (its log: {self.dir}/error.log)")

    def stop(self):
        subprocess.run(["bash", "-c", 'source scripts/lib/nginx.sh && nginx_stop "$1"', "nginx", self.dir], cwd=REPO)
        shutil.rmtree(self.dir, ignore_errors=True)

    def nodes_that_answered(self, path_prefix):
        """The node ports that answered requests whose path starts with `path_prefix` (access log)."""
        ports = set()
        try:
            with open(os.path.join(self.dir, "access.log")) as log:
                for line in log:
                    found = re.search(r'"\S+ (\S+) [^"]*" \d+ .* upstream=127\.0\.0\.1:(\d+)', line)
                    if found and found.group(1).startswith(path_prefix):
                        ports.add(int(found.group(2)))
        except FileNotFoundError:
            pass
        return ports


class SignInCluster:
    """Two nodes with campus sign-in behind nginx; the provider is scripts/test's. Stopped with the
    other nodes of the run."""

    def __init__(self):
        self.missing = [name for name in PROVIDER_VARIABLES if not os.environ.get(name)]
        port = int(os.environ.get("BREAKOUT_TEST_SIGNIN_PORT") or 0)
        env = {
            "BREAKOUT_OIDC_ISSUER": os.environ.get("BREAKOUT_TEST_OIDC_ISSUER", ""),
            "BREAKOUT_OIDC_CLIENT_ID": os.environ.get("BREAKOUT_TEST_OIDC_CLIENT_ID", ""),
            "BREAKOUT_OIDC_CLIENT_SECRET": os.environ.get("BREAKOUT_TEST_OIDC_CLIENT_SECRET", ""),
            "BREAKOUT_PUBLIC_URL": f"http://127.0.0.1:{port}",
            # A new secret each run, the same on both nodes (each derives the same tokens from it).
            "BREAKOUT_TOKEN_SECRET": secrets.token_urlsafe(48),
            "BREAKOUT_HOST_POLICY": HOST_POLICY,
        }
        self.nodes = [Node("signin-a", env=env), Node("signin-b", env=env)]
        self.balancer = Balancer(port, self.nodes)
        self.started = False

    def start(self):
        if self.missing:
            raise RuntimeError(f"the sign-in provider did not start ({', '.join(self.missing)} not set; see scripts/test's output)")
        for node in self.nodes:
            node.start()
        self.balancer.start()
        self.started = True

    def stop(self):
        if self.started:
            self.balancer.stop()
        for node in self.nodes:
            node.stop()


def fetch_in_page(browser, method, path, body=None):
    """A call from the page itself (its origin, its session cookie): (status, parsed JSON or None)."""
    answer = browser.driver.execute_async_script("""
        const [method, path, body, done] = arguments;
        fetch(path, { method, credentials: 'same-origin', headers: body ? { 'Content-Type': 'application/json' } : {},
                      body: body ? JSON.stringify(body) : undefined })
          .then(async (r) => done({ status: r.status, text: await r.text() }), (e) => done({ status: 0, text: String(e) }));
    """, method, path, body)
    try:
        return answer["status"], json.loads(answer["text"]) if answer["text"] else None
    except ValueError:
        return answer["status"], None


def sign_in_at_provider(browser, email, name):
    """Clicks "Sign in with your campus account", then the person's button on the provider's page."""
    browser.click("sign-in")
    button = browser.wait(lambda: (browser.driver.find_elements(By.CSS_SELECTOR, f'button[name=sub][value="{email}"]') or [None])[0],
                          f"the provider's sign-in button for {email}")
    button.click()
    browser.wait_text("me-name", name)


def campus_sign_in(cluster):
    people = {}
    scenario = Scenario("signin", lambda: list(people.values()))
    ctx = {}
    base = lambda: cluster.balancer.base  # noqa: E731  (known once the cluster started)

    def cluster_starts():
        cluster.start()
        status, problem = api(base(), "GET", "/v1/me")
        check(status == 401 and problem["code"] == "not_signed_in", f"/v1/me answered {status} {problem}")

    def signed_out_start_page():
        ada = people["ada-1"] = Browser("ada-1")
        ada.driver.get(base() + "/")
        ada.visible("sign-in")
        check(not ada.displayed("create-form"), "no create form for someone signed out")
        check(ada.displayed("join-form"), "joining by code and name is still there")
        check(ada.find("sign-in").get_attribute("href").endswith("/auth/login?returnTo=%2F"), "the sign-in link returns here")
        ada.check_accessibility("the start page, signed out")

    def ada_signs_in():
        ada = people["ada-1"]
        sign_in_at_provider(ada, "ada@uni.example", "Ada Lovelace")
        form = ada.visible("create-form")
        check(not form.find_elements(By.NAME, "hostName"), "the create form asks only for a title")
        check(not ada.find("join-form").find_elements(By.NAME, "displayName"), "the join form asks only for the code")
        ada.wait_text("owned-meetings", "None yet")
        status, me = fetch_in_page(ada, "GET", "/v1/me")
        check(status == 200 and me["name"] == "Ada Lovelace" and me["mayHost"], f"/v1/me answered {status} {me}")
        ada.check_accessibility("the start page, signed in")

    def ada_creates_a_meeting():
        ada = people["ada-1"]
        ada.visible("create-form")
        # By keyboard: the page puts the focus on the title; Enter creates.
        title = ada.driver.switch_to.active_element
        check(title.get_attribute("name") == "title", "the focus on the meeting's title")
        title.send_keys("IN1000 seminar 4", Keys.ENTER)
        ctx["code"] = ada.visible("join-code").text
        ada.wait_text("connection", "Live")
        ada.wait_text("who", "Ada Lovelace · Host")
        ctx["meeting"] = session_of(ada)["meetingId"]
        ctx["host"] = session_of(ada)["participantId"]

    def my_meetings_lists_it():
        ada = people["ada-1"]
        close_tab_and_reopen(ada, base() + "/")
        card = ada.card("owned-meeting", ctx["code"])
        check("IN1000 seminar 4" in card.text and "active" in card.text and "Host" in card.text, f"My meetings shows {card.text!r}")
        ada.check_accessibility("My meetings")

    def api_tokens():
        ada = people["ada-1"]
        ada.click("api-tokens-toggle")
        form = ada.visible("api-token-form")
        ada.wait_text("api-tokens", "None.")
        form.find_element(By.NAME, "name").send_keys("Canvas seminar sync")
        form.find_element(By.NAME, "expiresInDays").send_keys("30")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        token = ada.wait(lambda: ada.visible("api-token-value").get_attribute("value"), "the new token")
        check(token.startswith("bk_"), f"a personal API token, not {token[:6]}…")
        check("Canvas seminar sync" in ada.card("api-token", "Canvas seminar sync").text, "the token listed by name")
        ada.click("api-token-copy")
        ada.wait(lambda: ada.displayed("toast-ok") or ada.displayed("toast-info"), "a word about the copy")
        status, me = api(base(), "GET", "/v1/me", token=token)
        check(status == 200 and me["name"] == "Ada Lovelace", f"the token stands for Ada: {status} {me}")
        ada.check_accessibility("API tokens")
        revoke = ada.find("api-token-revoke", within=ada.card("api-token", "Canvas seminar sync"))
        revoke.click()
        revoke.click()  # the second click confirms
        ada.wait(lambda: ada.count("api-token") == 0, "the token gone from the list")
        status, problem = api(base(), "GET", "/v1/me", token=token)
        check(status == 401 and problem["code"] == "invalid_token", f"the revoked token answered {status} {problem}")

    def ada_back_in_from_another_browser():
        ada = people["ada-2"] = Browser("ada-2")
        ada.driver.get(base() + "/")
        sign_in_at_provider(ada, "ada@uni.example", "Ada Lovelace")
        card = ada.card("owned-meeting", ctx["code"])
        ada.click("owned-meeting-open", within=card)
        ada.wait_text("connection", "Live")
        ada.wait_text("who", "Ada Lovelace · Host")
        check(session_of(ada)["participantId"] == ctx["host"], "the same host participant as in the first browser")
        check(ada.count("person") == 1, f"{ada.count('person')} people in the list: Ada once")
        _, snapshot = api(base(), "GET", f"/v1/meetings/{ctx['meeting']}", token=session_of(ada)["token"])
        check([p["displayName"] for p in snapshot["participants"]] == ["Ada Lovelace"], f"participants {snapshot['participants']}")
        # Round robin: each sign-in and each API call went to one node or the other.
        answered = cluster.balancer.nodes_that_answered("/auth/") | cluster.balancer.nodes_that_answered("/v1/")
        check(answered == {node.port for node in cluster.nodes}, f"nginx sent requests to the nodes on {sorted(answered)}")

    def sam_may_not_host():
        sam = people["sam-1"] = Browser("sam-1")
        sam.driver.get(base() + "/")
        sign_in_at_provider(sam, "sam@uni.example", "Sam Student")
        status, me = fetch_in_page(sam, "GET", "/v1/me")
        check(status == 200 and not me["mayHost"], f"/v1/me answered {status} {me}")
        sam.wait_text("host-refused", me["hostPolicy"])
        check(not sam.displayed("create-form"), "no create form for Sam")
        status, problem = fetch_in_page(sam, "POST", "/v1/meetings", {"title": "Sam's meeting"})
        check(status == 403 and problem["code"] == "not_allowed_to_host", f"creating answered {status} {problem}")
        sam.check_accessibility("the start page, not allowed to host")

    def sam_joins_by_the_providers_name():
        sam = people["sam-1"]
        form = sam.visible("join-form")
        check(not form.find_elements(By.NAME, "displayName"), "the join form asks only for the code")
        form.find_element(By.NAME, "code").send_keys(ctx["code"])
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        sam.wait_text("my-location", "main session")
        sam.wait_text("who", "Sam Student")
        ctx["sam"] = session_of(sam)["participantId"]
        people["ada-2"].card("person", "Sam Student")

    def host_link_in_someone_elses_browser():
        # Ada's private host link, opened in Sam's browser (signed in as Sam, in Ada's meeting as a
        # participant): the page asks before it makes Sam's browser act as Ada's host, and "Cancel"
        # leaves Sam as Sam.
        sam = people["sam-1"]
        host_token = session_of(people["ada-2"])["token"]
        sam.driver.get(f"{base()}/?code={ctx['code']}#meeting={ctx['meeting']}&host={host_token}")

        def question():
            try:
                return sam.driver.switch_to.alert
            except NoAlertPresentException:
                return None
        alert = sam.wait(question, "the question before becoming another person's host")
        check("did not create" in alert.text and "Sam Student" in alert.text, f"the question: {alert.text!r}")
        alert.dismiss()
        sam.wait_text("who", "Sam Student")
        check(session_of(sam)["token"] != host_token, "Sam's browser did not become Ada's host")
        check("#" not in sam.driver.current_url, f"the link left the address bar: {sam.driver.current_url}")

    def sam_again_from_a_third_browser():
        sam = people["sam-2"] = Browser("sam-2")
        sam.driver.get(f"{base()}/?code={ctx['code']}")
        sam.visible("join-form")
        sign_in_at_provider(sam, "sam@uni.example", "Sam Student")
        form = sam.visible("join-form")
        check(form.find_element(By.NAME, "code").get_attribute("value") == ctx["code"], "back with the join link's code")
        sam.check_accessibility("the join form, signed in")
        # By keyboard: with the code in place, the focus is on "Join meeting".
        join = sam.driver.switch_to.active_element
        check(join.text == "Join meeting", f"the focus on {join.text!r}")
        join.send_keys(Keys.ENTER)
        sam.wait_text("my-location", "main session")
        check(session_of(sam)["participantId"] == ctx["sam"], "the same participant as in Sam's other browser")
        host = people["ada-2"]
        time.sleep(1)  # a duplicate would show within the live stream's delay
        names = [e.text for e in host.displayed("person")]
        check(len(names) == 2 and sum("Sam Student" in n for n in names) == 1, f"the host's list: {names}")

    def sam_signs_out():
        sam = people["sam-2"]
        close_tab_and_reopen(sam, base() + "/")
        sam.click("sign-out")
        sam.visible("sign-in")
        status, problem = fetch_in_page(sam, "GET", "/v1/me")
        check(status == 401 and problem["code"] == "not_signed_in", f"/v1/me answered {status} {problem}")
        check(kept_in_browser(sam, ctx["meeting"]) is None, "signing out forgot the meeting joined as Sam")

    def returns_only_to_the_service():
        # `returnTo=/%09/evil.example` once passed the local-path check (a tab is no newline) and
        # the browser, which strips the tab, went on to //evil.example after signing in.
        sam = people["sam-2"]
        sam.driver.get(base() + "/auth/login?returnTo=/%09/evil.example")
        button = sam.wait(lambda: (sam.driver.find_elements(By.CSS_SELECTOR, 'button[name=sub][value="sam@uni.example"]') or [None])[0],
                          "the provider's sign-in button for Sam")
        button.click()
        sam.wait_text("me-name", "Sam Student")
        landed = urllib.parse.urlsplit(sam.driver.current_url)
        check(landed.netloc == urllib.parse.urlsplit(base()).netloc and landed.path == "/",
              f"after signing in the browser is at {sam.driver.current_url}, not the service's start page")

    return scenario.run((
        ("two nodes with campus sign-in start behind nginx", cluster_starts),
        ("signed out, the start page offers campus sign-in", signed_out_start_page),
        ("Ada signs in at the provider: title-only create form, code-only join form", ada_signs_in),
        ("Ada creates a meeting and is its host by the provider's name", ada_creates_a_meeting),
        ("the meeting is in Ada's My meetings", my_meetings_lists_it),
        ("Ada makes an API token, sees it once, uses it and revokes it", api_tokens),
        ("in a second browser Ada signs in and is back as the same host", ada_back_in_from_another_browser),
        ("Sam signs in and may not host: the policy sentence, and 403 from the server", sam_may_not_host),
        ("Sam joins Ada's meeting with the code as Sam Student", sam_joins_by_the_providers_name),
        ("Ada's host link in Sam's signed-in browser asks first; cancelled, Sam stays Sam", host_link_in_someone_elses_browser),
        ("Sam joins again from a third browser: the same participant, listed once", sam_again_from_a_third_browser),
        ("Sam signs out: /v1/me is 401 and the meeting is forgotten in that browser", sam_signs_out),
        ("a sign-in asked to return to /%09/evil.example lands on the service's start page", returns_only_to_the_service),
    ))


def main():
    cluster = SignInCluster()

    def scenarios():
        print(f"campus sign-in: two nodes behind nginx, the provider at {os.environ.get('BREAKOUT_TEST_OIDC_ISSUER', '(none)')}", flush=True)
        yield campus_sign_in(cluster)

    return run_scenarios(scenarios, [cluster])


if __name__ == "__main__":
    sys.exit(main())
