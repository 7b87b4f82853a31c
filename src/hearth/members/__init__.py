"""Members: profiles keyed by phone, one ledger for points and stored value, tiers, coupons,
import; balances are owned by HQ and spent offline only within the allowance HQ granted."""
