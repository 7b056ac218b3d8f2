"""What the ballot box tells the apps above it, which it never imports.

`result_ready` is sent once a box's result is stored and committed, with `society_id` and
`box_id`: a contest counted from the box starts its count then (ballots/apps.py).
"""

from django.dispatch import Signal

result_ready = Signal()
