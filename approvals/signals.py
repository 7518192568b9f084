"""Signals the approvals app sends to the apps above it (publishing), which it may not import.

`delivery_requested` is sent inside the acting transaction when a post becomes due for
delivery (scheduled, or published now), so that a receiver can write its outbox row in
the same transaction: the post's new state and its delivery job commit together or not at all.
"""

from django.dispatch import Signal

# sender=Post, post=<Post>, actor=<User|None>
delivery_requested = Signal()

# sender=Post, post=<Post>, actor=<User|None>: the post is live (delivered, or a publisher
# pasted the address of a post published by hand). Sent inside the acting transaction.
post_published = Signal()
