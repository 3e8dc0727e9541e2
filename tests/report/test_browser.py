"""The report is a web page, so it is tested as one: headless Chromium loads it."""

import os
import shutil

import pytest

pytestmark = pytest.mark.browser


def _driver():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not (chromium and chromedriver):
        if os.environ.get("NOTELAB_REQUIRE_BROWSER"):
            pytest.fail(
                "chromium and chromedriver are required (apt-get install chromium chromium-driver)"
            )
        pytest.skip("chromium/chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--allow-file-access-from-files",
        "--window-size=1200,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(chromedriver), options=options)


@pytest.fixture(scope="module")
def browser():
    driver = _driver()
    yield driver
    driver.quit()


def test_every_section_and_image_renders_without_console_errors(browser, report_dir):
    browser.get((report_dir / "index.html").as_uri())
    sections = browser.execute_script(
        "return [...document.querySelectorAll('section.note')].map(s => s.dataset.note)"
    )
    assert sections == ["6", "10"]
    images = browser.execute_script(
        "return [...document.images].map(i => [i.getAttribute('src'), i.complete, "
        "i.naturalWidth, i.naturalHeight, i.alt])"
    )
    assert len(images) >= 2
    for src, complete, width, height, alt in images:
        assert complete and width > 0 and height > 0, src
        assert alt, src
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_summary_links_every_claim(browser, report_dir):
    browser.get((report_dir / "index.html").as_uri())
    targets = browser.execute_script(
        "return [...document.querySelectorAll('.overview ul a')].map(a => "
        "[a.getAttribute('href'), !!document.querySelector(a.getAttribute('href'))])"
    )
    claims = browser.execute_script("return document.querySelectorAll('div.claim').length")
    assert len(targets) == claims > 10
    assert all(found for _, found in targets)


def test_verdicts_carry_a_word_and_symbol_and_dark_colours(browser, report_dir):
    browser.get((report_dir / "index.html").as_uri())
    script = (
        "const p = document.querySelector('.claim .pill.holds');"
        "const b = getComputedStyle(document.body);"
        "return [p.textContent.trim(), getComputedStyle(p).backgroundColor,"
        " b.backgroundColor, b.fontFamily]"
    )
    text, light_pill, light_page, font = browser.execute_script(script)
    assert text == "✓ holds" and "sans-serif" in font
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    _, dark_pill, dark_page, _ = browser.execute_script(script)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    assert dark_pill != light_pill and dark_page != light_page


def test_page_fits_a_phone(browser, report_dir):
    browser.set_window_size(390, 844)
    browser.get((report_dir / "index.html").as_uri())
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
