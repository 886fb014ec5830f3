"""Screenshots cost Chromium about a tenth of a browser test's CPU: the browser tests save
them when pytest runs with --screenshots (the source of docs/screenshots), and otherwise
only a failing test's tabs, each of them, for the post-mortem (tests/browser/conftest.py).

Each case runs a small browser test of its own in this process (pytester), on the shared
Chromium, with the browser tests' own fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.helpers import ARTIFACTS

pytest_plugins = ["pytester"]

# The browser tests' `person` and `screenshot`, on the shared Chromium without a backend.
A_BROWSER_TEST = """
import pytest
from testsupport.chromium import shared


@pytest.fixture
def chromium():
    return shared()


@pytest.fixture
def app_url():
    return "http://127.0.0.1:9/"


def test_two_tabs(person, screenshot):
    alice = person()
    for text in ("first", "second"):
        alice.new_tab().set_content(f"<h1>{text}</h1>")
    screenshot(alice.tabs[0], "asked")
    assert OUTCOME
"""


@pytest.fixture(autouse=True)
def _only_the_plugins_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each in-process run imports afresh what it loads (pytester restores sys.modules), and
    the installed plugins would take seconds."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def artifacts() -> Iterator[Path]:
    for stale in ARTIFACTS.glob("test_two_tabs*.png"):
        stale.unlink()
    yield ARTIFACTS
    for made in ARTIFACTS.glob("test_two_tabs*.png"):
        made.unlink()


def run(pytester: pytest.Pytester, passes: bool, *args: str) -> pytest.RunResult:
    pytester.makepyfile(A_BROWSER_TEST.replace("OUTCOME", str(passes)))
    plugins = ["-p", "testsupport.screenshots", "-p", "tests.browser.conftest"]
    return pytester.runpytest_inprocess(*plugins, "-p", "no:cacheprovider", *args)


def saved(artifacts: Path) -> list[str]:
    return sorted(path.name for path in artifacts.glob("test_two_tabs*.png"))


def test_a_passing_test_saves_nothing_unless_asked(pytester, artifacts):
    run(pytester, True).assert_outcomes(passed=1)
    assert saved(artifacts) == []


def test_asked_a_test_saves_the_screenshots_it_takes(pytester, artifacts):
    run(pytester, True, "--screenshots").assert_outcomes(passed=1)
    assert saved(artifacts) == ["test_two_tabs-asked.png"]


def test_a_failing_test_saves_every_tab(pytester, artifacts):
    run(pytester, False).assert_outcomes(failed=1)
    assert saved(artifacts) == ["test_two_tabs-failed-1.png", "test_two_tabs-failed-2.png"]
