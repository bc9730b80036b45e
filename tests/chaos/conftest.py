"""The fault drills run only when asked: CHAOS=1 (they start a stack of their own and take
minutes). `make chaos` runs the same drills without pytest."""

import os

import pytest


def pytest_configure(config):
    config.addinivalue_line("markers", "chaos: fault drills on a stack of their own (CHAOS=1)")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CHAOS") == "1":
        return
    skip = pytest.mark.skip(reason="fault drill: run with CHAOS=1 (or `make chaos`)")
    for item in items:
        if "chaos" in item.keywords:
            item.add_marker(skip)
