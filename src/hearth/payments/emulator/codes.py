"""Customer payment codes as the emulated wallets read them.

Shapes, as the real wallets issue them: Alipay's are 16-24 digits starting 25-30, WeChat Pay's
18 digits starting 10-15. Each gateway refuses a code that is not its own, as the real ones do
(Alipay ``ACQ.PAYMENT_AUTH_CODE_INVALID``, WeChat Pay a parameter error), so a store that sends
a code to the wrong wallet is caught here.

Test codes: a code of the right shape pays at once; one ending in ``0000`` is declined (the
customer's balance is too low); one ending in ``1111`` waits for the customer to confirm with a
password, then pays (after ``qr_autopay_ms``).

This is the emulator's own reading of the shapes, on purpose not the store's
(``hearth.payments.domain.wallet_of_code``): the two check each other.
"""

from __future__ import annotations

import re

SHAPES = {
    "alipay": re.compile(r"(2[5-9]|30)[0-9]{14,22}"),
    "wechat": re.compile(r"1[0-5][0-9]{16}"),
}

# Ready-made codes for tests, the benchmark and a person trying the demo.
ALIPAY_CODE = "281234567890123456"
ALIPAY_DECLINED = "281234567890120000"
ALIPAY_PASSWORD = "281234567890121111"
WECHAT_CODE = "134567890123456789"
WECHAT_DECLINED = "134567890123450000"
WECHAT_PASSWORD = "134567890123451111"


def is_code_of(wallet: str, code: str) -> bool:
    shape = SHAPES.get(wallet)
    return shape is not None and shape.fullmatch(code) is not None


def declines(code: str) -> bool:
    return code.endswith("0000")


def needs_password(code: str) -> bool:
    return code.endswith("1111")
