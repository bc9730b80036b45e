"""The fault drills run only when asked: CHAOS=1 (they start a stack of their own and take
minutes). `make chaos` runs the same drills without pytest."""

import os


def pytest_configure(config):
    config.addinivalue_line("markers", "chaos: fault drills on a stack of their own (CHAOS=1)")


def pytest_collection_modifyitems(config, items):
    # Deselected, not skipped: the run's summary counts them, and nothing pretends to pass.
    if os.environ.get("CHAOS") == "1":
        return
    drills = [item for item in items if "chaos" in item.keywords]
    if drills:
        config.hook.pytest_deselected(items=drills)
        items[:] = [item for item in items if "chaos" not in item.keywords]
