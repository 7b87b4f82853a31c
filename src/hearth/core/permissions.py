"""Who may do what: the one matrix every route's permission check reads, and tests read too.

A route declares the permission it needs; this table says which roles hold it. Actions that
also need a manager's PIN at the moment (voids, big discounts, reopening a paid bill) are marked
in the routes with ``ManagerApproval`` on top of the permission here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    CASHIER = "cashier"
    WAITER = "waiter"
    KITCHEN = "kitchen"


class Permission(StrEnum):
    SELF = "self.read"  # who am I, what may I do
    MENU_READ = "menu.read"
    MENU_EDIT = "menu.edit"
    SOLD_OUT = "menu.sold_out"
    FLOOR_READ = "floor.read"
    FLOOR_EDIT = "floor.edit"
    TABLE_CLEAN = "floor.clean"
    ORDER_READ = "order.read"
    ORDER_TAKE = "order.take"  # open orders, add lines, send to kitchen, fire, split, move
    ORDER_PROGRESS = "order.progress"  # preparing / ready / served
    ORDER_CLOSE = "order.close"
    ORDER_DISCOUNT = "order.discount"
    ORDER_VOID = "order.void"
    ORDER_REOPEN = "order.reopen"
    STAFF_READ = "staff.read"
    STAFF_EDIT = "staff.edit"
    TERMINAL_REGISTER = "terminal.register"
    JOURNAL_READ = "journal.read"
    KITCHEN_VIEW = "kitchen.view"  # see tickets, the feed, all-day counts
    KITCHEN_BUMP = "kitchen.bump"  # start, bump, recall, undo, rush
    KITCHEN_ADMIN = "kitchen.admin"  # stations, routing rules, printers, screens
    PRINT = "kitchen.print"  # reprint a ticket or a receipt
    PAYMENT_READ = "payment.read"
    PAYMENT_TAKE = "payment.take"  # take tenders, tips
    PAYMENT_REFUND = "payment.refund"  # with a manager's PIN on top
    SHIFT = "payment.shift"  # open/close a drawer, pay-ins and pay-outs
    PAYMENT_ADMIN = "payment.admin"  # providers, risk limits, reconciliation
    STORE_ADMIN = "store.admin"  # store name, address, receipt footer, rounding
    DELIVERY_ACCEPT = "delivery.accept"  # accept or reject a platform order
    DELIVERY_RELEASE = "delivery.release"  # release orders held after an outage
    SYNC_READ = "sync.read"  # HQ sync status (the POS banner)
    SYNC_RUN = "sync.run"  # Sync now
    SYNC_ADMIN = "sync.admin"  # join an HQ (enrolment)
    OPS_READ = "ops.read"  # the doctor's report
    OPS_FIX = "ops.fix"  # apply the doctor's safe fixes
    BACKUP_READ = "backup.read"  # the backups kept and their checks
    BACKUP_RUN = "backup.run"  # Back up now
    MEMBER_READ = "member.read"  # find a member, see tier, points, balance (phone masked)
    MEMBER_SERVE = "member.serve"  # join, earn, redeem, top up, use a coupon at the till
    MEMBER_UNMASK = "member.unmask"  # see a member's whole phone number (journaled)
    MEMBER_ADMIN = "member.admin"  # rules, tiers, coupons, import, merge, export and erase
    INVENTORY_READ = "inventory.read"  # stock levels, recipes, why a dish is sold out
    INVENTORY_EDIT = "inventory.edit"  # ingredients, recipes, purchase orders, transfers out
    STOCK_MOVE = "inventory.stock"  # receive stock, record waste, count, book transfers in


R = Role
ALL_STAFF = frozenset(Role)
FRONT = frozenset({R.OWNER, R.MANAGER, R.CASHIER, R.WAITER})
MANAGERS = frozenset({R.OWNER, R.MANAGER})

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.SELF: ALL_STAFF,
    Permission.MENU_READ: ALL_STAFF,
    Permission.MENU_EDIT: MANAGERS,
    Permission.SOLD_OUT: frozenset({R.OWNER, R.MANAGER, R.CASHIER, R.KITCHEN}),
    Permission.FLOOR_READ: ALL_STAFF,
    Permission.FLOOR_EDIT: MANAGERS,
    Permission.TABLE_CLEAN: FRONT,
    Permission.ORDER_READ: ALL_STAFF,
    Permission.ORDER_TAKE: FRONT,
    Permission.ORDER_PROGRESS: ALL_STAFF,
    Permission.ORDER_CLOSE: frozenset({R.OWNER, R.MANAGER, R.CASHIER}),
    Permission.ORDER_DISCOUNT: frozenset({R.OWNER, R.MANAGER, R.CASHIER}),
    # Cashiers and waiters may start a void; the manager's PIN on the request authorises it.
    Permission.ORDER_VOID: FRONT,
    Permission.ORDER_REOPEN: frozenset({R.OWNER, R.MANAGER, R.CASHIER}),
    Permission.STAFF_READ: MANAGERS,
    Permission.STAFF_EDIT: MANAGERS,
    Permission.TERMINAL_REGISTER: MANAGERS,
    Permission.JOURNAL_READ: MANAGERS,
    Permission.KITCHEN_VIEW: ALL_STAFF,
    Permission.KITCHEN_BUMP: frozenset({R.OWNER, R.MANAGER, R.KITCHEN}),
    Permission.KITCHEN_ADMIN: MANAGERS,
    Permission.PRINT: ALL_STAFF,
    Permission.PAYMENT_READ: FRONT,
    Permission.PAYMENT_TAKE: FRONT,
    Permission.PAYMENT_REFUND: frozenset({R.OWNER, R.MANAGER, R.CASHIER}),
    Permission.SHIFT: frozenset({R.OWNER, R.MANAGER, R.CASHIER}),
    Permission.PAYMENT_ADMIN: MANAGERS,
    Permission.STORE_ADMIN: MANAGERS,
    Permission.DELIVERY_ACCEPT: frozenset({R.OWNER, R.MANAGER, R.CASHIER}),
    Permission.DELIVERY_RELEASE: MANAGERS,
    Permission.SYNC_READ: FRONT,
    Permission.SYNC_RUN: FRONT,
    Permission.SYNC_ADMIN: MANAGERS,
    Permission.OPS_READ: MANAGERS,
    Permission.OPS_FIX: MANAGERS,
    Permission.BACKUP_READ: MANAGERS,
    Permission.BACKUP_RUN: frozenset({R.OWNER}),
    Permission.MEMBER_READ: FRONT,
    Permission.MEMBER_SERVE: FRONT,
    Permission.MEMBER_UNMASK: MANAGERS,
    Permission.MEMBER_ADMIN: MANAGERS,
    Permission.INVENTORY_READ: ALL_STAFF,
    Permission.INVENTORY_EDIT: MANAGERS,
    Permission.STOCK_MOVE: frozenset({R.OWNER, R.MANAGER, R.KITCHEN}),
}

APPROVERS = MANAGERS


def allowed(role: Role, permission: Permission) -> bool:
    return role in MATRIX[permission]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: a signed-in staff member, their role now, and the till they use."""

    staff_id: str
    role: Role
    terminal_id: str | None
