"""The pages: POS and waiter tablet, KDS, diner phone, kiosk, admin, delivery."""

from hearth.core.module import Module
from hearth.web import admin, delivery, diner, kds, kiosk, pages, pos, stock

MODULE = Module(
    "web",
    routers=(
        pages.router,
        pos.router,
        diner.router,
        admin.router,
        kds.router,
        kiosk.router,
        delivery.router,
        stock.router,
    ),
)
