"""Channels orders come in through: QR table ordering, delivery platforms, pacing."""
