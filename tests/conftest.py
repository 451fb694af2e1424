import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


def miniprobe_cmd() -> list[str]:
    exe = VENV_BIN / "miniprobe"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "harness.cli"]


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # a proxy in the environment must not swallow loopback traffic of the tests
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")


def headless_chromium(*args: str, mobile: dict[str, object] | None = None):  # -> selenium webdriver.Chrome
    """Real headless Chromium through chromedriver (the Debian packages `chromium chromium-driver`), for the
    tests that run the page scripts or open reports in a browser; fails loudly when either is missing.
    ``args`` add to the common flags (e.g. a window size); ``mobile`` sets mobileEmulation device metrics."""
    import shutil

    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for tool in ("chromium", "chromedriver"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} not found: run `make setup` (Debian packages chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", *args):
        options.add_argument(arg)
    if mobile:
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": mobile})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def chromium_showing(html: str, folder: Path, *args: str, mobile: dict[str, object] | None = None):
    """headless_chromium() with ``html`` loaded from a file in ``folder`` (the page scripts' tests)."""
    page = folder / "page.html"
    page.write_text(html, encoding="utf-8")
    driver = headless_chromium(*args, mobile=mobile)
    driver.get(page.as_uri())
    return driver
