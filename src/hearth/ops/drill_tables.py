"""Fault drill tables: each drill, its steps, and the store's service periods.

All three are projections of the journal (``DrillStarted``, ``DrillStep``, ``DrillFinished``,
``DrillServicePeriodsSet``; projectors in ``drills.py``), so a drill's report survives a
restart and ``hearth rebuild`` reproduces it.
"""

from __future__ import annotations

import sqlalchemy as sa

from hearth.core.db import metadata

ops_drills = sa.Table(
    "ops_drills",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("fault", sa.String(40), nullable=False),  # provider-down | hq-cut | kds-dark ...
    sa.Column("target", sa.String(120), nullable=True),  # the provider, station or printer
    # running -> passed | failed (a goal missed or something lost) | aborted (the node stopped)
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("forced", sa.Boolean, nullable=False),  # run during a service period
    sa.Column("duration_s", sa.Float, nullable=False),  # how long the fault is held
    sa.Column("started_by", sa.String(36), nullable=True),
    sa.Column("started_at_ms", sa.BigInteger, nullable=False),
    sa.Column("detected_after_ms", sa.BigInteger, nullable=True),
    sa.Column("recovered_after_ms", sa.BigInteger, nullable=True),
    sa.Column("nothing_lost", sa.Boolean, nullable=True),
    sa.Column("finished_at_ms", sa.BigInteger, nullable=True),
    sa.Column("summary_zh", sa.String(400), nullable=True),
    sa.Column("summary_en", sa.String(400), nullable=True),
)
sa.Index("ix_ops_drills_started", ops_drills.c.store_id, ops_drills.c.started_at_ms)

ops_drill_steps = sa.Table(
    "ops_drill_steps",
    metadata,
    sa.Column("drill_id", sa.String(36), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    # injected | detected | staff-saw | fell-back | removed | recovered | checked | note
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
    sa.Column("after_ms", sa.BigInteger, nullable=False),  # since the drill started
    sa.Column("zh", sa.String(600), nullable=False),
    sa.Column("en", sa.String(600), nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
)

ops_drill_settings = sa.Table(
    "ops_drill_settings",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    # [["11:00", "14:00"], ["17:00", "21:00"]]: store-local times when no drill may run
    sa.Column("service_periods", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
