"""The admin pages: menu, floor and QR codes, staff and terminals, kitchen stations and routing,
printers, payment providers and store settings, for an owner or manager on a tablet.

The page is a thin client: every rule is checked by the API it calls, and a refusal is shown as
the problem's own words. The only server-side helper here draws QR codes, so printing a table's
code needs nothing from the internet.
"""

from __future__ import annotations

from typing import Annotated

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from hearth.web.i18n import add_texts
from hearth.web.pages import PAGES, render

router = APIRouter(include_in_schema=False)

PAGES.append({"href": "/admin", "key": "admin.title"})

_T = {
    "admin.title": ("门店管理", "Store admin"),
    "admin.sign_in": ("管理员登录", "Admin sign-in"),
    "admin.sign_in_help": ("店主或经理用工号和密码登录",
                           "Owners and managers: staff code and password"),
    "admin.code": ("工号", "Staff code"),
    "admin.password": ("密码", "Password"),
    "admin.login": ("登录", "Sign in"),
    "admin.sign_out": ("退出", "Sign out"),
    "admin.tab.menu": ("菜单", "Menu"),
    "admin.tab.floor": ("桌台与二维码", "Tables & QR"),
    "admin.tab.staff": ("员工与终端", "Staff & devices"),
    "admin.tab.kitchen": ("档口与分单", "Stations & routing"),
    "admin.tab.printers": ("打印机", "Printers"),
    "admin.tab.payments": ("支付渠道", "Payments"),
    "admin.tab.settings": ("门店设置", "Store settings"),
    "admin.categories": ("分类", "Categories"),
    "admin.groups": ("口味/加料组", "Modifier groups"),
    "admin.items": ("菜品", "Items"),
    "admin.combos": ("套餐", "Set meals"),
    "admin.new_item": ("新增菜品", "New item"),
    "admin.edit_item": ("编辑菜品", "Edit item"),
    "admin.add": ("添加", "Add"),
    "admin.save": ("保存", "Save"),
    "admin.cancel": ("取消", "Cancel"),
    "admin.edit": ("编辑", "Edit"),
    "admin.delete": ("删除", "Delete"),
    "admin.saved": ("已保存", "Saved"),
    "admin.name_zh": ("中文名", "Chinese name"),
    "admin.name_en": ("英文名", "English name"),
    "admin.sort": ("排序", "Order"),
    "admin.category": ("分类", "Category"),
    "admin.price": ("价格（元）", "Price (¥)"),
    "admin.tax": ("税率 %", "Tax %"),
    "admin.from": ("供应开始", "Served from"),
    "admin.until": ("供应结束", "Served until"),
    "admin.remaining": ("剩余份数", "Left"),
    "admin.unlimited": ("不限", "no limit"),
    "admin.specs": ("规格", "Variants"),
    "admin.add_spec": ("加规格", "Add variant"),
    "admin.min": ("至少选", "Min"),
    "admin.max": ("最多选", "Max"),
    "admin.options": ("选项（每行：中文|English|加价元）",
                      "Options (one a line: 中文|English|¥ extra)"),
    "admin.picture": ("图片", "Picture"),
    "admin.upload": ("上传图片", "Upload picture"),
    "admin.uploaded": ("图片已上传", "Picture uploaded"),
    "admin.sold_out": ("售罄", "Sold out"),
    "admin.mark_sold_out": ("设为售罄", "Mark sold out"),
    "admin.back": ("恢复供应", "Back in stock"),
    "admin.set_left": ("设剩余", "Set left"),
    "admin.take_off": ("下架", "Take off menu"),
    "admin.put_on": ("上架", "Put on menu"),
    "admin.on_sale": ("在售", "On sale"),
    "admin.hidden": ("已下架", "Off the menu"),
    "admin.slots": ("可选", "choices"),
    "admin.areas": ("区域", "Areas"),
    "admin.tables": ("桌台", "Tables"),
    "admin.area": ("区域", "Area"),
    "admin.table_code": ("桌号", "Table"),
    "admin.seats": ("座位数", "Seats"),
    "admin.qr": ("二维码", "QR code"),
    "admin.rotate": ("更换二维码", "Replace QR code"),
    "admin.rotate_confirm": ("旧二维码会立即失效，确定？",
                             "The old code stops working at once. Sure?"),
    "admin.print_all": ("打印全部桌码", "Print all table QR codes"),
    "admin.scan_to_order": ("扫码点餐", "Scan to order"),
    "admin.staff": ("员工", "Staff"),
    "admin.hire": ("新增员工", "Hire"),
    "admin.name": ("姓名", "Name"),
    "admin.role": ("角色", "Role"),
    "admin.pin": ("PIN（4-12 位数字，店主和经理至少 6 位）",
                  "PIN (4-12 digits; 6 or more for owners and managers)"),
    "admin.pin_rules": ("店主和经理的 PIN 可以批准退菜、折扣和退款，所以至少要 6 位数字。"
                        "连续输错 5 次 PIN，账号锁定 30 分钟；连续锁定 3 次后，"
                        "只有经理或店主才能解锁（PCI DSS 8.3.4）。",
                        "Manager and owner PINs approve voids, discounts and refunds, so they "
                        "need 6 digits or more. 5 wrong PINs in a row lock an account for 30 "
                        "minutes; after 3 lockouts in a row only a manager or the owner can "
                        "unlock it (PCI DSS 8.3.4)."),
    "admin.locked_until": ("锁定至", "Locked until"),
    "admin.locked_hard": ("已锁定，需经理解锁", "Locked: a manager must unlock"),
    "admin.unlock": ("解锁", "Unlock"),
    "admin.unlocked": ("已解锁", "Unlocked"),
    "admin.pin_too_short": ("PIN 太短，请重置为 6 位以上", "PIN too short: reset to 6+ digits"),
    "admin.password_opt": ("管理密码（经理可选）", "Admin password (managers, optional)"),
    "admin.active": ("在职", "Active"),
    "admin.inactive": ("已停用", "Deactivated"),
    "admin.deactivate": ("停用", "Deactivate"),
    "admin.reactivate": ("启用", "Reactivate"),
    "admin.reset_pin": ("重置 PIN", "Reset PIN"),
    "admin.new_pin": ("新 PIN", "New PIN"),
    "admin.terminals": ("收银机/平板", "Tills & tablets"),
    "admin.register": ("登记设备", "Register device"),
    "admin.device_kind": ("设备类型", "Kind"),
    "admin.kind_till": ("收银机/平板（员工登录）", "Till or tablet (staff sign in)"),
    "admin.kind_kiosk": ("自助点餐机（顾客点餐）", "Self-service kiosk (guests order)"),
    "admin.key_once": ("设备密钥（只显示这一次，请在设备上输入）：",
                       "Device key (shown only once; enter it on the device):"),
    "admin.revoke": ("停用设备", "Revoke"),
    "admin.stations": ("档口", "Stations"),
    "admin.key": ("代码", "Key"),
    "admin.expo": ("出餐口", "Expo"),
    "admin.rules": ("分单规则", "Routing rules"),
    "admin.item": ("菜品", "Item"),
    "admin.any": ("（不选）", "(none)"),
    "admin.printers": ("打印机", "Printers"),
    "admin.host": ("地址", "Host"),
    "admin.port": ("端口", "Port"),
    "admin.kind": ("用途", "Use"),
    "admin.kitchen": ("厨房", "Kitchen"),
    "admin.receipt": ("小票", "Receipt"),
    "admin.station": ("档口", "Station"),
    "admin.paper": ("纸宽 mm", "Paper mm"),
    "admin.enabled": ("启用", "Enabled"),
    "admin.disabled": ("停用", "Disabled"),
    "admin.enable": ("启用", "Enable"),
    "admin.disable": ("停用", "Disable"),
    "admin.test_print": ("打印测试页", "Test page"),
    "admin.health": ("状态", "State"),
    "admin.providers": ("支付渠道", "Payment providers"),
    "admin.priority": ("优先级", "Priority"),
    "admin.tenders": ("支付方式", "Tenders"),
    "admin.no_providers": ("尚未配置支付渠道（现金和储值卡不需要渠道）",
                           "No payment providers configured (cash and stored value need none)"),
    "admin.last_error": ("最近错误", "Last error"),
    "admin.store_name_zh": ("店名（中文）", "Store name (Chinese)"),
    "admin.store_name_en": ("店名（英文）", "Store name (English)"),
    "admin.address": ("地址", "Address"),
    "admin.phone": ("电话", "Phone"),
    "admin.service_charge": ("默认服务费 %", "Default service charge %"),
    "admin.footer_zh": ("小票页脚（中文）", "Receipt footer (Chinese)"),
    "admin.footer_en": ("小票页脚（英文）", "Receipt footer (English)"),
    "admin.rounding": ("现金抹零", "Cash rounding"),
    "admin.round.none": ("不抹零（到分）", "None (to the fen)"),
    "admin.round.jiao": ("到角", "To 0.10"),
    "admin.round.half_yuan": ("到五角", "To 0.50"),
    "admin.round.yuan": ("到元", "To 1 yuan"),
    "admin.languages": ("界面语言", "Languages"),
    "admin.default_language": ("默认语言", "Default language"),
    "admin.bad_number": ("请输入数字", "Enter a number"),
    "admin.tab.delivery": ("外卖平台", "Delivery"),
    "admin.new_combo": ("新增套餐", "New set meal"),
    "admin.edit_combo": ("编辑套餐", "Edit set meal"),
    "admin.courses": ("套餐内容（每一道可从几样菜中选一样）",
                      "Courses (each offers a choice of dishes)"),
    "admin.add_course": ("加一道", "Add course"),
    "admin.add_choice": ("加可选菜品", "Add choice"),
    "admin.upcharge": ("加价（元）", "Extra (¥)"),
    "admin.edit_group": ("编辑口味/加料组", "Edit modifier group"),
    "admin.option_rows": ("选项", "Options"),
    "admin.add_option": ("加选项", "Add option"),
    "admin.rename": ("改桌号", "Rename"),
    "admin.warn_min": ("变黄（分钟）", "Amber after (min)"),
    "admin.late_min": ("变红（分钟）", "Red after (min)"),
    "admin.offline_declined": ("离线收款后被拒", "Offline payments declined later"),
    "admin.none_declined": ("没有被拒的离线收款", "No offline payment was declined"),
    "admin.declined": ("被拒", "Declined"),
    "admin.when": ("时间", "When"),
    "admin.order": ("订单", "Order"),
    "admin.amount": ("金额", "Amount"),
    "admin.payment": ("支付单", "Payment"),
    "admin.payments_provider": ("渠道", "Provider"),
    "admin.reconcile_title": ("对账", "Reconciliation"),
    "admin.reconcile": ("立即对账", "Reconcile now"),
    "admin.reconcile_from": ("从哪天起", "From date"),
    "admin.reconcile_ok": ("账目一致，没有差异", "Books match: no differences"),
    "admin.differences": ("差异", "Differences"),
    "admin.diff_kind": ("差异类型", "Kind"),
    "admin.diff.missing_here": ("渠道有、我方无", "At the provider, not here"),
    "admin.diff.missing_at_provider": ("我方有、渠道无", "Here, not at the provider"),
    "admin.diff.amount_mismatch": ("金额不符", "Amounts differ"),
    "admin.ours": ("我方", "Ours"),
    "admin.theirs": ("渠道方", "Provider's"),
    "admin.mappings": ("外卖平台商品映射", "Delivery platform item mapping"),
    "admin.mappings_help": ("平台订单里的每个商品编码（SKU）对应本店的一道菜（含规格和口味）。",
                            "Each SKU in a platform's orders stands for one of our dishes "
                            "(with its variant and options)."),
    "admin.platform": ("平台", "Platform"),
    "admin.platform.meituan": ("美团", "Meituan"),
    "admin.platform.douyin": ("抖音", "Douyin"),
    "admin.sku": ("平台商品编码", "Platform SKU"),
    "admin.platform_name": ("平台上的名称", "Name on the platform"),
    "role.owner": ("店主", "Owner"),
    "role.manager": ("经理", "Manager"),
    "role.cashier": ("收银", "Cashier"),
    "role.waiter": ("服务员", "Waiter"),
    "role.kitchen": ("厨房", "Kitchen"),
}
add_texts({k: {"zh": zh, "en": en} for k, (zh, en) in _T.items()})


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    return render(request, "admin.html")


@router.get("/admin/qr.svg")
def qr_svg(data: Annotated[str, Query(min_length=1, max_length=500)]) -> Response:
    """A QR code for ``data`` as SVG, drawn by the store node itself (works offline).

    It encodes only what it is given: the table's signed link comes from the staff-only
    ``GET /api/tables/{id}/qr``, so this route reveals nothing.
    """
    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return Response(img.to_string(encoding="unicode"), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=300",
                             "X-Content-Type-Options": "nosniff"})
