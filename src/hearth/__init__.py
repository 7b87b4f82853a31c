"""Hearth: restaurant ordering and store management that keeps working through faults."""

__version__ = "0.1.0"
