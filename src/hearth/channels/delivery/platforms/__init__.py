"""One module per delivery platform: how it signs what it sends and what it expects back.

Both sides use these: the webhooks verify with them, the status callbacks and the emulator sign
with them, so a change to a scheme cannot make the two disagree.
"""
