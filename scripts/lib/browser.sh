# The browser tests' system parts, from Debian's packages: Chromium, its WebDriver and Selenium
# for Debian's own python3 (a python3 earlier on PATH may not see Debian's packages).
browser_python=/usr/bin/python3

browser_ready() {
    command -v chromedriver >/dev/null 2>&1 && { [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; } &&
        "$browser_python" -c 'import selenium' >/dev/null 2>&1
}

browser_ensure_installed() {
    if browser_ready; then return 0; fi
    echo "Chromium, chromium-driver or python3-selenium not found; installing them with apt-get." >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "Run as root once, or: sudo apt-get install -y chromium chromium-driver python3-selenium" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium chromium-driver python3-selenium >/dev/null
    browser_ready
}
