"""Signals of the case loop, for apps that react to it without the loop knowing them."""

from django.dispatch import Signal

# Sent inside the transaction of every case change, with `case` and `event` (a CaseEvent).
# Receivers that talk to the outside world defer to transaction.on_commit.
case_event_recorded = Signal()
