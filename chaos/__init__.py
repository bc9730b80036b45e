"""Fault drills (`make chaos`): a production-like stack of its own, four faults and a
restore drill, each with exact counts. See docs/operations.md, "故障演练 / Fault drills"."""
