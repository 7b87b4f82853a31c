"""Talking to a network ESC/POS printer on TCP (port 9100 by convention), with timeouts.

A job counts as printed only when every byte was written, the printer answered a status query
sent after the job (so it has read that far) with no "offline" bit, and the connection closed
cleanly. A printer that accepts the connection but never reads, or never answers, therefore
fails the attempt after the timeout instead of hanging the worker or being marked printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

STATUS_QUERY = b"\x10\x04\x01"  # DLE EOT 1: printer status, answered in real time
CAUSE_QUERY = b"\x10\x04\x02"  # DLE EOT 2: why it is offline (cover, paper end)
PAPER_QUERY = b"\x10\x04\x04"  # DLE EOT 4: the roll paper sensor
OFFLINE_BIT = 0x08
COVER_OPEN_BIT = 0x04  # in the DLE EOT 2 answer
PAPER_END_STOP_BIT = 0x20  # in the DLE EOT 2 answer
PAPER_END_BITS = 0x60  # in the DLE EOT 4 answer
PAPER_NEAR_END_BITS = 0x0C  # in the DLE EOT 4 answer


class PrinterError(Exception):
    """One attempt failed. ``bytes_sent`` says whether paper may have come out anyway."""

    def __init__(self, message: str, *, bytes_sent: bool) -> None:
        super().__init__(message)
        self.bytes_sent = bytes_sent


def is_status(byte: int) -> bool:
    """Any real-time status answer has bits 1 and 4 set and bits 0 and 7 clear."""
    return (byte & 0x93) == 0x12


def reason_of(cause: int | None, paper: int | None) -> str | None:
    """What the printer says is wrong, from its DLE EOT 2 and 4 answers (None: either was not
    answered, or says nothing). Paper first: an empty roll is also why a cover gets opened."""
    if paper is not None and is_status(paper) and paper & PAPER_END_BITS:
        return "paper_out"
    if cause is not None and is_status(cause):
        if cause & PAPER_END_STOP_BIT:
            return "paper_out"
        if cause & COVER_OPEN_BIT:
            return "cover_open"
    if paper is not None and is_status(paper) and paper & PAPER_NEAR_END_BITS:
        return "paper_low"
    return None


def status_ok(byte: int) -> bool:
    """A DLE EOT 1 answer: fixed bits 0b0xx1xx10, bit 3 set when the printer is offline."""
    return (byte & 0x93) == 0x12 and not byte & OFFLINE_BIT


async def _close(writer: asyncio.StreamWriter, timeout: float) -> None:
    writer.close()
    await asyncio.wait_for(writer.wait_closed(), timeout)


async def send(
    host: str, port: int, data: bytes, *, connect_timeout: float = 3.0, write_timeout: float = 3.0
) -> int:
    """Send one job and confirm it; the bytes written. Raises PrinterError on any failure."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), connect_timeout
        )
    except (OSError, TimeoutError) as exc:
        reason = "connect timed out" if isinstance(exc, TimeoutError) else str(exc)
        raise PrinterError(f"cannot connect to {host}:{port}: {reason}", bytes_sent=False) from exc
    sent = False
    try:
        writer.write(data + STATUS_QUERY)
        sent = True
        await asyncio.wait_for(writer.drain(), write_timeout)
        answer = await asyncio.wait_for(reader.read(1), write_timeout)
        if not answer:
            raise PrinterError("printer closed the connection during the job", bytes_sent=True)
        if not status_ok(answer[0]):
            raise PrinterError(
                f"printer reports a fault (status {answer[0]:#04x}: offline, "
                "cover open or out of paper)",
                bytes_sent=True,
            )
        await _close(writer, write_timeout)
        return len(data)
    except TimeoutError as exc:
        raise PrinterError(
            f"printer accepted the job but did not answer in time ({write_timeout:g} s)",
            bytes_sent=sent,
        ) from exc
    except OSError as exc:
        raise PrinterError(f"connection lost: {exc}", bytes_sent=sent) from exc
    finally:
        if not writer.is_closing():
            writer.transport.abort()


@dataclass(frozen=True)
class Probe:
    state: str  # online | offline | slow | fault
    latency_ms: int | None
    error: str | None
    reason: str | None = None  # paper_out | cover_open | paper_low, when the printer says so


REASON_WORDS = {
    "paper_out": "out of paper",
    "cover_open": "cover open",
    "paper_low": "paper nearly out",
}


async def _ask(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, query: bytes, timeout: float
) -> int | None:
    """One more real-time status query; None when the printer does not answer it (many
    cheap printers only do DLE EOT 1)."""
    writer.write(query)
    try:
        await asyncio.wait_for(writer.drain(), timeout)
        got = await asyncio.wait_for(reader.read(1), timeout)
    except TimeoutError:
        return None
    return got[0] if got else None


async def probe(
    host: str, port: int, *, connect_timeout: float = 2.0, answer_timeout: float = 1.0
) -> Probe:
    """A health check: connect, ask DLE EOT 1, read the status byte.

    A printer that takes the connection but never answers is ``slow`` (busy, or one that does
    not do status queries), not offline: it may still print. Then the roll paper sensor
    (DLE EOT 4), and when the printer is offline its cause (DLE EOT 2), so the doctor can say
    "out of paper" or "cover open" instead of "a fault"; a printer that does not answer those
    is judged on DLE EOT 1 alone.
    """
    # Real time, not the node's clock: this measures how long the network really took.
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), connect_timeout
        )
    except (OSError, TimeoutError) as exc:
        reason = "connect timed out" if isinstance(exc, TimeoutError) else str(exc)
        return Probe("offline", None, f"cannot connect: {reason}")
    try:
        writer.write(STATUS_QUERY)
        await asyncio.wait_for(writer.drain(), answer_timeout)
        answer = await asyncio.wait_for(reader.read(1), answer_timeout)
        latency = int((time.monotonic() - start) * 1000)
        if not answer:
            return Probe("offline", latency, "printer closed the connection")
        short = min(answer_timeout, 0.5)
        paper = await _ask(reader, writer, PAPER_QUERY, short)
        if not status_ok(answer[0]):
            cause = await _ask(reader, writer, CAUSE_QUERY, short) if paper is not None else None
            condition = reason_of(cause, paper)
            said = REASON_WORDS.get(condition or "", "offline")
            return Probe(
                "fault",
                latency,
                f"printer reports {said} (status {answer[0]:#04x})",
                condition,
            )
        return Probe("online", latency, None, reason_of(None, paper))
    except (OSError, TimeoutError):
        return Probe("slow", None, f"connected but no status answer within {answer_timeout:g} s")
    finally:
        writer.transport.abort()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 0.5)
