"""Two test hosts in network namespaces joined by a veth pair, and the faults of a real network.

The store and HQ run as real processes, each in its own namespace; the only path between them
is the veth pair, with addresses in a private /30 that exists only inside the two namespaces
(the traffic never leaves this machine, nor touches the host's routes or firewall). On it:

- ``link_down()`` / ``link_up()``: the veth taken down, as a pulled cable;
- ``partition()``: nftables drops every packet on HQ's end (connections hang, then time out,
  which is not the same failure as a refused connection);
- ``loss(p)``: iptables' ``statistic`` match drops a random share ``p`` of the packets;
- ``heal()``: all of it undone.

Every rule is added inside HQ's namespace, so nothing leaks to the host. The kernel here has no
``netem``: delay, duplication, reordering and cut connections come from ``faultproxy``.

``cleanup()`` always runs (a context manager) and also removes what a killed earlier run left
behind: namespace names carry the creating process's id, and any whose owner is dead are
deleted, after their processes (which that run started) are killed by pid.

Tests in a thread talk to the store inside its namespace with ``entered(ns)``: ``setns`` moves
only the calling thread, so sockets it opens live in that namespace.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

CLONE_NEWNET = 0x40000000
PREFIX = "hth"
STORE_ADDR = "10.231.0.1"
HQ_ADDR = "10.231.0.2"
_NAME = re.compile(rf"^{PREFIX}(\d+)(st|hq)$")
_NFT_TABLE = "hearth_partition"


class NetnsUnavailable(RuntimeError):
    """This machine (or this user) cannot make network namespaces or lacks the tools."""


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(list(argv), capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def unavailable_reason() -> str | None:
    """Why these tests cannot run here, in plain words (None when they can)."""
    if os.geteuid() != 0:
        return "network namespaces need root (CI runs as root)"
    missing = [t for t in ("ip", "nft", "iptables") if shutil.which(t) is None]
    if missing:
        return (
            f"missing {', '.join(missing)}: apt-get install iproute2 nftables iptables "
            f"(make netns-tools)"
        )
    probe = f"{PREFIX}{os.getpid()}probe"
    r = _run("ip", "netns", "add", probe, check=False)
    if r.returncode != 0:
        return f"ip netns add is not permitted here: {r.stderr.strip()}"
    _run("ip", "netns", "del", probe, check=False)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_inside(ns: str) -> None:
    """SIGKILL the processes in a namespace of ours (each one a test started there)."""
    r = _run("ip", "netns", "pids", ns, check=False)
    for pid in r.stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)


def remove_leftovers() -> list[str]:
    """Delete the namespaces of earlier runs whose process is gone; their names."""
    removed = []
    for line in _run("ip", "netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = _NAME.match(name)
        if m and not _alive(int(m.group(1))):
            _kill_inside(name)
            _run("ip", "netns", "del", name, check=False)
            removed.append(name)
    return removed


@contextlib.contextmanager
def entered(ns: str) -> Iterator[None]:
    """Run the block with this thread in namespace ``ns`` (other threads stay where they are)."""
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/proc/thread-self/ns/net") as home, open(f"/run/netns/{ns}") as there:
        if libc.setns(there.fileno(), CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {ns}")
        try:
            yield
        finally:
            if libc.setns(home.fileno(), CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back home")


@dataclass
class NetnsPair:
    """The store's namespace and HQ's, one veth between them."""

    tag: str = ""

    def __post_init__(self) -> None:
        base = f"{PREFIX}{os.getpid()}{self.tag}"
        self.store_ns, self.hq_ns = f"{base}st", f"{base}hq"
        self.store_if, self.hq_if = f"{base}s"[-15:], f"{base}h"[-15:]
        self.store_addr, self.hq_addr = STORE_ADDR, HQ_ADDR
        self.faults: set[str] = set()

    # -- life ----------------------------------------------------------------------------------
    def setup(self) -> NetnsPair:
        remove_leftovers()
        self.cleanup()
        for ns in (self.store_ns, self.hq_ns):
            _run("ip", "netns", "add", ns)
            _run("ip", "-n", ns, "link", "set", "lo", "up")
        _run(
            "ip",
            "link",
            "add",
            self.store_if,
            "netns",
            self.store_ns,
            "type",
            "veth",
            "peer",
            "name",
            self.hq_if,
            "netns",
            self.hq_ns,
        )
        _run(
            "ip", "-n", self.store_ns, "addr", "add", f"{self.store_addr}/30", "dev", self.store_if
        )
        _run("ip", "-n", self.hq_ns, "addr", "add", f"{self.hq_addr}/30", "dev", self.hq_if)
        self.link_up()
        return self

    def cleanup(self) -> None:
        """Kill what runs inside, delete both namespaces (the veth goes with them)."""
        for ns in (self.store_ns, self.hq_ns):
            _kill_inside(ns)
            _run("ip", "netns", "del", ns, check=False)
        self.faults.clear()

    def __enter__(self) -> NetnsPair:
        return self.setup()

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def argv_in(self, ns: str, argv: Sequence[str]) -> list[str]:
        """A command line that runs ``argv`` inside ``ns`` (``ip netns exec`` execs, so the
        child's pid is the command's own: SIGKILL reaches it directly)."""
        return ["ip", "netns", "exec", ns, *argv]

    # -- faults --------------------------------------------------------------------------------
    def link_down(self) -> None:
        _run("ip", "-n", self.store_ns, "link", "set", self.store_if, "down")
        self.faults.add("link")

    def link_up(self) -> None:
        _run("ip", "-n", self.store_ns, "link", "set", self.store_if, "up")
        _run("ip", "-n", self.hq_ns, "link", "set", self.hq_if, "up")
        self.faults.discard("link")

    def partition(self) -> None:
        """Drop every packet on HQ's end of the veth, both ways (nftables)."""
        script = (
            f"table inet {_NFT_TABLE} {{\n"
            f"  chain in {{ type filter hook input priority 0; "
            f'iifname "{self.hq_if}" drop; }}\n'
            f"  chain out {{ type filter hook output priority 0; "
            f'oifname "{self.hq_if}" drop; }}\n}}\n'
        )
        r = subprocess.run(
            ["ip", "netns", "exec", self.hq_ns, "nft", "-f", "-"],
            input=script,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if r.returncode != 0:
            raise RuntimeError(f"nft partition failed: {r.stderr.strip()}")
        self.faults.add("partition")

    def end_partition(self) -> None:
        _run(
            "ip",
            "netns",
            "exec",
            self.hq_ns,
            "nft",
            "delete",
            "table",
            "inet",
            _NFT_TABLE,
            check=False,
        )
        self.faults.discard("partition")

    def loss(self, probability: float) -> None:
        """Drop a random share of the packets each way (iptables ``statistic``)."""
        p = f"{probability:.3f}"
        for chain, flag in (("INPUT", "-i"), ("OUTPUT", "-o")):
            _run(
                "ip",
                "netns",
                "exec",
                self.hq_ns,
                "iptables",
                "-A",
                chain,
                flag,
                self.hq_if,
                "-m",
                "statistic",
                "--mode",
                "random",
                "--probability",
                p,
                "-j",
                "DROP",
            )
        self.faults.add("loss")

    def end_loss(self) -> None:
        for chain in ("INPUT", "OUTPUT"):
            _run("ip", "netns", "exec", self.hq_ns, "iptables", "-F", chain, check=False)
        self.faults.discard("loss")

    def heal(self) -> None:
        self.link_up()
        self.end_partition()
        self.end_loss()
