"""A pytest plugin (the root conftest.py loads it): the --screenshots option and a mark on a
test whose call failed, which the browser tests read to save its tabs (tests/browser/conftest.py).

Screenshots cost Chromium about a tenth of a browser test's CPU, so they are saved when asked
(the source of docs/screenshots) or when a test fails."""

from __future__ import annotations

from collections.abc import Generator

import pytest

FAILED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--screenshots",
        action="store_true",
        help="save the browser tests' screenshots under test-artifacts/browser (the source of "
        "docs/screenshots); without it, only a failing browser test's tabs are saved",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report
