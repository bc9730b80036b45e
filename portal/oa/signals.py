"""Hooks of the OA for other apps.

`document_issued(sender=OfficialDocument, document_id=...)` is sent once a document has
been issued (印制核发) and committed: the archive connects its filing hand-off (整理归档)
here. Nothing is connected yet.
"""

from django.dispatch import Signal

document_issued = Signal()
