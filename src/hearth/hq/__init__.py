"""HQ: a chain's headquarters. Stores enrol, upload their journals exactly once, pull the chain
catalogue, and are rebuilt from HQ's copy. Its own app, tables and migrations; it imports only
``hearth.core`` (see docs/sync-protocol.md for the wire contract)."""
