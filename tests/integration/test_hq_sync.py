"""Stores enrol at HQ and upload their journals exactly once (docs/sync-protocol.md), on
SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json
import random

import sqlalchemy as sa

from hearth.core.digest import GENESIS, chain
from hearth.hq import domain as d
from hearth.hq.owners import add_owner
from hearth.hq.service import create_store, revoke
from hearth.hq.tables import alarms, daily_activity, hq_events, quarantine, review
from tests.integration.test_hq_fixtures import (
    HQHarness,
    Store,
    a_journal,
    an_event,
    gz,
    hq_harness,
)

__all__ = ["hq_harness"]


def test_an_enrolment_code_works_once(hq_harness: HQHarness):
    code = create_store(hq_harness.hq, "s1", "First")
    first = hq_harness.client.post("/sync/v1/enrol", json={"enrol_code": code})
    again = hq_harness.client.post("/sync/v1/enrol", json={"enrol_code": code})
    assert first.status_code == 200 and first.json()["store_id"] == "s1"
    assert again.status_code == 401 and again.json()["code"] == "sync-enrol-code-invalid"
    assert (
        hq_harness.client.post("/sync/v1/enrol", json={"enrol_code": "s1.guessed"}).json()["code"]
        == "sync-enrol-code-invalid"
    )


def test_an_enrolment_code_expires_after_seven_days(hq_harness: HQHarness):
    code = create_store(hq_harness.hq, "s1", "First")
    hq_harness.clock.advance(d.ENROL_CODE_TTL_MS + 1)
    r = hq_harness.client.post("/sync/v1/enrol", json={"enrol_code": code})
    assert (r.status_code, r.json()["code"]) == (401, "sync-enrol-code-expired")


def test_a_stolen_store_id_writes_nothing(hq_harness: HQHarness):
    a, b = hq_harness.enrol("A"), hq_harness.enrol("B")
    r = hq_harness.upload(a, a_journal("B", 3))
    assert (r.status_code, r.json()["code"]) == (403, "sync-wrong-store")
    r = hq_harness.upload(a, a_journal("A", 3), store_id="B")
    assert (r.status_code, r.json()["code"]) == (403, "sync-wrong-store")
    r = hq_harness.client.post(
        "/sync/v1/handshake",
        headers=a.auth,
        json={"store_id": "B", "epoch": 1, "seq": 0, "digest": GENESIS},
    )
    assert (r.status_code, r.json()["code"]) == (403, "sync-wrong-store")
    assert hq_harness.held("A") == [] and hq_harness.held("B") == []
    # B's journal is read with B's credential only; A's credential reads A's.
    hq_harness.upload(b, a_journal("B", 2))
    assert hq_harness.client.get("/sync/v1/journal", headers=a.auth).json()["events"] == []


def test_no_credential_or_a_revoked_one_is_refused(hq_harness: HQHarness):
    s = hq_harness.enrol("s1")
    r = hq_harness.client.post("/sync/v1/handshake", json={"epoch": 1, "seq": 0, "digest": GENESIS})
    assert (r.status_code, r.json()["code"]) == (401, "sync-unauthorized")
    revoke(hq_harness.hq, "s1")
    r = hq_harness.upload(s, a_journal("s1", 2))
    assert (r.status_code, r.json()["code"]) == (401, "sync-revoked")
    assert hq_harness.held("s1") == []


def test_an_upload_is_acked_with_the_digest_both_sides_compute(hq_harness: HQHarness):
    s = hq_harness.enrol("s1")
    journal = a_journal("s1", 5)
    r = hq_harness.upload(s, journal)
    assert r.status_code == 200, r.text
    expected = list(chain(GENESIS, journal))[-1]
    assert r.json() == {"acked_seq": 5, "digest": expected[1]}
    hs = hq_harness.client.post(
        "/sync/v1/handshake", headers=s.auth, json={"epoch": 1, "seq": 7, "digest": "f" * 64}
    ).json()
    assert hs["acked_seq"] == 5 and hs["digest_at_acked"] == expected[1]
    assert hs["status"] == "ok"
    got = hq_harness.client.get("/sync/v1/digests?from=1&to=5", headers=s.auth).json()
    assert [x["digest"] for x in got["digests"]] == [h for _, h in chain(GENESIS, journal)]


def test_replayed_duplicated_reordered_and_truncated_batches_leave_each_event_once(
    hq_harness: HQHarness,
):
    s = hq_harness.enrol("s1")
    journal = a_journal("s1", 40)
    batches = [journal[i : i + 7] for i in range(0, 40, 7)]
    rng = random.Random(7)
    codes = set()
    for _ in range(120):
        pick = rng.choice(batches)
        how = rng.choice(["as is", "truncated", "overlap"])
        if how == "truncated":
            pick = pick[: rng.randint(1, len(pick))]
        elif how == "overlap":
            at = journal.index(pick[0])
            pick = journal[max(0, at - 3) : at + 4]
        r = hq_harness.upload(s, pick)
        assert r.status_code in (200, 409), r.text
        codes.add(r.json().get("code", "ok"))
    # The store resends from HQ's cursor until everything is held.
    while hq_harness.cursor("s1") < 40:
        at = hq_harness.cursor("s1")
        assert hq_harness.upload(s, journal[at : at + 7]).status_code == 200
    assert hq_harness.held("s1") == [(e["seq"], e["event_id"]) for e in journal]
    assert "sync-gap" in codes and "sync-divergence" not in codes
    # An out-of-order batch is refused outright.
    r = hq_harness.upload(s, [journal[3], journal[2]])
    assert (r.status_code, r.json()["code"]) == (422, "sync-batch-unordered")


def test_a_gap_names_the_seq_hq_expects(hq_harness: HQHarness):
    s = hq_harness.enrol("s1")
    journal = a_journal("s1", 10)
    assert hq_harness.upload(s, journal[:3]).status_code == 200
    r = hq_harness.upload(s, journal[5:])
    assert (r.status_code, r.json()["code"], r.json()["expected_seq"]) == (409, "sync-gap", 4)
    assert hq_harness.cursor("s1") == 3


def test_corrupt_truncated_and_oversized_bodies_are_refused_and_write_nothing(
    hq_harness: HQHarness,
):
    s = hq_harness.enrol("s1")
    headers = {**s.auth, "Content-Encoding": "gzip"}
    good = gz({"epoch": 1, "events": a_journal("s1", 3)})
    post = hq_harness.client.post
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    for body in (bytes(bad), good[:-6], b"not gzip at all"):
        r = post("/sync/v1/events", content=body, headers=headers)
        assert (r.status_code, r.json()["code"]) == (400, "sync-bad-gzip"), r.text
    # A gzip bomb: small on the wire, far past the cap inflated.
    bomb = gzip.compress(b'{"epoch": 1, "events": [' + b" " * (20 * 1024 * 1024) + b"]}")
    assert len(bomb) < 100_000
    r = post("/sync/v1/events", content=bomb, headers=headers)
    assert (r.status_code, r.json()["code"]) == (413, "sync-batch-too-large")
    r = hq_harness.upload(s, a_journal("s1", d.MAX_BATCH_EVENTS + 1))
    assert (r.status_code, r.json()["code"]) == (413, "sync-batch-too-large")
    big = [an_event("s1", 1, payload={"x": "y" * (d.MAX_BATCH_BYTES + 10)})]
    r = hq_harness.upload(s, big)
    assert (r.status_code, r.json()["code"]) == (413, "sync-batch-too-large")
    r = post("/sync/v1/events", content=gzip.compress(b"{nope"), headers=headers)
    assert (r.status_code, r.json()["code"]) == (400, "sync-bad-json")
    assert hq_harness.held("s1") == []
    # And the same events, sent properly, are taken.
    assert post("/sync/v1/events", content=good, headers=headers).status_code == 200
    assert hq_harness.cursor("s1") == 3


def test_a_changed_event_is_a_divergence_with_its_seq_never_an_overwrite(hq_harness: HQHarness):
    s = hq_harness.enrol("s1")
    journal = a_journal("s1", 6)
    assert hq_harness.upload(s, journal).status_code == 200
    altered = [dict(e) for e in journal[2:6]]
    altered[1]["payload"] = {"n": "changed"}  # seq 4
    r = hq_harness.upload(s, altered)
    assert (r.status_code, r.json()["code"], r.json()["first_differing_seq"]) == (
        409,
        "sync-divergence",
        4,
    )
    with hq_harness.hq.engine.connect() as conn:
        alarm = conn.execute(sa.select(alarms).where(alarms.c.kind == "divergence")).one()
        held = conn.execute(
            sa.select(hq_events.c.payload).where(hq_events.c.store_id == "s1", hq_events.c.seq == 4)
        ).scalar_one()
    assert alarm.first_differing_seq == 4 and held == {"n": 4}
    hs = hq_harness.client.post(
        "/sync/v1/handshake", headers=s.auth, json={"epoch": 1, "seq": 6, "digest": "0" * 64}
    ).json()
    assert (hs["status"], hs["first_differing_seq"]) == ("diverged", 4)
    # The same id sent again under a new seq is a divergence too, not a second copy.
    r = hq_harness.upload(s, [{**journal[0], "seq": 7}])
    assert r.json()["code"] == "sync-divergence"
    assert len(hq_harness.held("s1")) == 6


def test_an_event_hq_cannot_project_is_quarantined_and_the_rest_go_on(hq_harness: HQHarness):
    s = hq_harness.enrol("s1")
    events = [
        an_event("s1", 1, "OrderOpened", {"id": "o1", "business_date": "2026-01-01"}),
        an_event("s1", 2, "OrderOpened", {"id": "o2"}),  # no date: refused
        an_event("s1", 3, "SomethingNew", {"whatever": True}),  # unknown: just stored
        an_event("s1", 4, "PaymentStatusChanged", {"payment_id": "p1", "status": "succeeded"}),
        an_event("s1", 5, "OrderOpened", {"id": "o3", "business_date": "2026-01-01"}),
    ]
    r = hq_harness.upload(s, events)
    assert r.status_code == 200 and r.json()["acked_seq"] == 5
    with hq_harness.hq.engine.connect() as conn:
        q = conn.execute(sa.select(quarantine)).all()
        act = conn.execute(sa.select(daily_activity)).one()
    assert [(x.seq, x.type) for x in q] == [(2, "OrderOpened")] and "business_date" in q[0].reason
    assert (act.business_date, act.orders, act.payments) == ("2026-01-01", 2, 1)
    assert len(hq_harness.held("s1")) == 5


def test_a_restored_store_fences_the_zombie_whose_events_go_to_review(hq_harness: HQHarness):
    s = hq_harness.enrol("s1")
    journal = a_journal("s1", 5)
    assert hq_harness.upload(s, journal[:3]).status_code == 200
    restored = hq_harness.client.post("/sync/v1/restore", headers=s.auth, json={}).json()
    assert restored["epoch"] == 2 and restored["acked_seq"] == 3
    page = hq_harness.client.get("/sync/v1/journal?after=0&limit=2", headers=s.auth).json()
    assert [e["event_id"] for e in page["events"]] == [e["event_id"] for e in journal[:2]]
    zombie = hq_harness.upload(s, journal[3:], epoch=1)
    assert (zombie.status_code, zombie.json()["code"]) == (409, "sync-fenced")
    hs = hq_harness.client.post(
        "/sync/v1/handshake", headers=s.auth, json={"epoch": 1, "seq": 5, "digest": GENESIS}
    ).json()
    assert hs["status"] == "fenced" and hs["epoch"] == 2
    with hq_harness.hq.engine.connect() as conn:
        kept = conn.execute(sa.select(review.c.seq, review.c.epoch).order_by(review.c.seq)).all()
    assert [tuple(k) for k in kept] == [(4, 1), (5, 1)]
    assert hq_harness.cursor("s1") == 3
    new_box = Store("s1", s.credential, epoch=2)
    new_event = an_event("s1", 4)
    assert hq_harness.upload(new_box, [new_event]).json()["acked_seq"] == 4
    assert hq_harness.held("s1")[-1] == (4, new_event["event_id"])


def test_plain_json_uploads_are_read_too(hq_harness: HQHarness):
    s = hq_harness.enrol("s1")
    r = hq_harness.client.post(
        "/sync/v1/events",
        headers=s.auth,
        content=json.dumps({"epoch": 1, "events": a_journal("s1", 2)}),
    )
    assert r.status_code == 200 and r.json()["acked_seq"] == 2


def test_hq_raises_an_alarm_when_a_reachable_store_backlog_does_not_shrink(
    hq_harness: HQHarness,
):
    """The store keeps handshaking (it reaches HQ) with a backlog that stays: after several
    handshakes the fleet API shows a backlog alarm; the events arriving clear it. A store that
    was away (handshakes far apart) is not stuck."""
    h = hq_harness
    add_owner(h.hq, "H01", "Boss", "correct horse")
    token = h.client.post(
        "/api/hq/auth/sign-in", json={"code": "H01", "password": "correct horse"}
    ).json()["access_token"]
    s = h.enrol("s1")
    journal = a_journal("s1", 12)

    def handshake(seq: int) -> None:
        r = h.client.post(
            "/sync/v1/handshake",
            headers=s.auth,
            json={"epoch": 1, "seq": seq, "digest": dict(chain(GENESIS, journal))[seq]},
        )
        assert r.status_code == 200, r.text

    def backlog_alarms() -> list[str]:
        fleet = h.client.get("/api/hq/stores", headers={"Authorization": f"Bearer {token}"}).json()[
            "stores"
        ]
        return [a["detail"] for a in fleet[0]["alarms"] if a["kind"] == "backlog"]

    for _ in range(d.STUCK_HANDSHAKES):  # away between handshakes: never stuck
        handshake(10)
        h.clock.advance(d.STUCK_GAP_MS + 1)
    assert backlog_alarms() == []
    for n in range(d.STUCK_HANDSHAKES):
        handshake(10 + min(n, 1))  # 10, 11, 11: it does not shrink
        assert backlog_alarms() == []
        h.clock.advance(1000)
    handshake(11)
    (raised,) = backlog_alarms()
    assert "backlog of 11 event(s)" in raised
    handshake(12)  # a second look at the same trouble: still one alarm
    assert len(backlog_alarms()) == 1
    assert h.upload(s, journal).status_code == 200  # everything the store reported arrives
    assert backlog_alarms() == []
    handshake(12)
    assert backlog_alarms() == []
