"""Every module's tables and projectors, imported in one place so metadata is complete."""

from __future__ import annotations

from hearth.channels.delivery import tables as delivery_tables
from hearth.core import tables as core_tables
from hearth.core.db import metadata
from hearth.kitchen import projections as kitchen_projections
from hearth.kitchen import tables as kitchen_tables
from hearth.menu import projections as menu_projections
from hearth.menu import tables as menu_tables
from hearth.ordering import projections as ordering_projections
from hearth.ordering import tables as ordering_tables
from hearth.payments import projections as payments_projections
from hearth.payments import tables as payments_tables
from hearth.printing import tables as printing_tables
from hearth.staff import projections as staff_projections
from hearth.staff import tables as staff_tables
from hearth.store import projections as store_projections
from hearth.store import tables as store_tables

__all__ = ["metadata"]
_modules = (core_tables, kitchen_tables, kitchen_projections, menu_tables, menu_projections,
            ordering_tables, ordering_projections, payments_tables, payments_projections,
            staff_tables, staff_projections, printing_tables, delivery_tables,
            store_tables, store_projections)
