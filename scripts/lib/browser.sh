# The browser tests' system parts, from Debian's packages: Chromium, its WebDriver and Selenium
# for Debian's own python3 (a python3 earlier on PATH may not see Debian's packages). Sourced.
#
# And axe-core, for their accessibility checks. Debian has no package of it: it is the axe.min.js
# that PyPI's selenium-axe-python ships (axe-core 4.9; axe-selenium-python 3 needs Python 3.12,
# newer than Debian's python3). The tests inject that file themselves, so pip puts the package,
# without its dependencies, in a folder of its own (.data/axe-core), and Debian's python3 stays
# as its packages made it.
browser_python=/usr/bin/python3
browser_axe_version=2.2.0
browser_axe_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.data/axe-core"

browser_ready() {
    command -v chromedriver >/dev/null 2>&1 && { [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; } &&
        "$browser_python" -c 'import selenium' >/dev/null 2>&1 && "$browser_python" -m pip --version >/dev/null 2>&1
}

browser_axe_ready() {
    [ -d "$browser_axe_dir/selenium_axe_python-$browser_axe_version.dist-info" ] &&
        [ -f "$browser_axe_dir/selenium_axe_python/axe-core/axe.min.js" ]
}

browser_ensure_installed() {
    if ! browser_ready; then
        echo "Chromium, chromium-driver, python3-selenium or python3-pip not found; installing them with apt-get." >&2
        if [ "$(id -u)" -ne 0 ]; then
            echo "Run as root once, or: sudo apt-get install -y chromium chromium-driver python3-selenium python3-pip" >&2
            return 1
        fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq chromium chromium-driver python3-selenium python3-pip >/dev/null
        browser_ready || return 1
    fi
    if ! browser_axe_ready; then
        echo "==> installing axe-core (selenium-axe-python $browser_axe_version) into .data/axe-core"
        rm -rf "$browser_axe_dir"
        "$browser_python" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target "$browser_axe_dir" \
            "selenium-axe-python==$browser_axe_version" && browser_axe_ready
    fi
}
