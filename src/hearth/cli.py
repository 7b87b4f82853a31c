"""The ``hearth`` command: init, serve, demo, rebuild, reconcile, backup, restore."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from hearth import __version__
from hearth.core.config import Settings
from hearth.hq.config import HQSettings

app = typer.Typer(
    help="Hearth store node: restaurant ordering that keeps working through faults.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()

DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL of the database.")]


# A stopping node gives open connections this long, then closes them and stops its writer
# cleanly: a kitchen screen's live feed never ends by itself, and a node that waits for it
# would be killed instead of stopping (screens reconnect and resume from Last-Event-ID).
_SHUTDOWN: dict[str, Any] = {"timeout_graceful_shutdown": 3}


def _settings(db: str | None) -> Settings:
    return Settings(db_url=db) if db else Settings()


def _configure_logging(level: str = "info") -> None:
    logging.basicConfig(
        format="%(message)s", stream=sys.stderr, level=getattr(logging, level.upper(), logging.INFO)
    )
    # HEARTH_LOG_FORMAT=json: one JSON object a line for a log shipper, with ISO UTC times;
    # either way each line logged during a request carries its request_id (core/requestid.py).
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
    ]
    if Settings().log_format == "json":
        processors += [
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.dict_tracebacks,
            structlog.processors.JSONRenderer(),
        ]
    else:
        processors += [
            structlog.processors.TimeStamper(fmt="%H:%M:%S"),
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ]
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(logging, level.upper(), logging.INFO)
        ),
        processors=processors,
    )


def _fail(message: str, fix: str) -> None:
    console.print(f"[bold red]Error:[/] {message}\n[yellow]Fix:[/] {fix}")
    raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"hearth {__version__}")


@app.command()
def init(
    db: DbOption = None,
    hq: Annotated[str | None, typer.Option("--hq", help="HQ's URL, to join it.")] = None,
    enrol: Annotated[
        str | None,
        typer.Option("--enrol", help="The one-time enrolment code HQ gave for this store."),
    ] = None,
) -> None:
    """Create (or migrate) a store database, and join an HQ with --hq URL --enrol CODE."""
    from hearth.bootstrap import build_node

    _configure_logging("warning")
    settings = _settings(db)
    if (hq is None) != (enrol is None):
        _fail("--hq and --enrol go together.", "give both, or neither.")
    try:
        node = build_node(settings)
    except Exception as exc:  # the message, not the trace, is what a manager needs
        _fail(
            f"could not open the database {settings.db_url}: {exc}",
            "check the path or URL and that the disk is writable.",
        )
        return
    console.print(f"[green]Store database ready[/] at {settings.db_url}")
    if hq is not None and enrol is not None:
        import asyncio

        from hearth.core.errors import Problem
        from hearth.sync import service as sync

        try:
            state = asyncio.run(
                sync.enrol(
                    node.engine, _write_of(node), settings.store_id, hq, enrol, node.clock.now_ms()
                )
            )
        except Problem as exc:
            node.close()
            _fail(exc.detail, "ask HQ for a new code, or sync the waiting events first.")
            return
        console.print(
            f"[green]Joined HQ[/] {state.hq_url} as store {state.store_id} (epoch {state.epoch})."
        )
    node.close()


def _write_of(node: Any) -> Any:
    """The writer, awaited from the CLI's own event loop (no app runs here)."""
    import asyncio

    async def write(command: Any) -> Any:
        return await asyncio.to_thread(node.writer.run, command)

    return write


@app.command()
def serve(
    db: DbOption = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    log_level: str = "info",
    fd: Annotated[
        int | None,
        typer.Option(
            help="Serve on this inherited, already bound socket instead of host:port "
            "(a parent that holds the port, as the tests do)."
        ),
    ] = None,
) -> None:
    """Serve the store node's API and pages."""
    import socket

    import uvicorn

    from hearth.bootstrap import create_app

    _configure_logging(log_level)
    application = create_app(_settings(db))
    if fd is None:
        uvicorn.run(
            application, host=host, port=port, log_level=log_level, access_log=False, **_SHUTDOWN
        )
        return
    # socket(fileno=) reads the family and protocol from the descriptor; uvicorn's own --fd
    # assumes a Unix socket, which leaves TCP_NODELAY off (40 ms per kept-alive call).
    config = uvicorn.Config(application, log_level=log_level, access_log=False, **_SHUTDOWN)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


@app.command()
def demo(
    db: DbOption = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    fresh: Annotated[bool, typer.Option(help="Start from an empty database.")] = False,
    seed_only: Annotated[bool, typer.Option(help="Load the demo, do not serve.")] = False,
    hq_port: Annotated[int, typer.Option(help="Port of the demo's HQ.")] = 8100,
    with_hq: Annotated[
        bool, typer.Option("--hq/--no-hq", help="Run an HQ beside the store and enrol the store.")
    ] = True,
) -> None:
    """Load a realistic Chinese restaurant, print how to reach it, and serve it (with an HQ
    the store syncs to)."""
    from hearth.bootstrap import build_node
    from hearth.demo import hq as demo_hq
    from hearth.demo import seed as demo_seed

    _configure_logging("warning")
    settings = _settings(db or "sqlite:///var/demo.db")
    path = settings.sqlite_path()
    var = Path(path).parent if path is not None else Path("var")
    hq_db = var / "hq.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            if path is not None:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            Path(f"{hq_db}{suffix}").unlink(missing_ok=True)
    node = build_node(settings)
    if not demo_seed.is_seeded(node):
        with Progress(
            TextColumn("[bold]Loading the demo restaurant[/] {task.description}"),
            BarColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("", total=7 + len(demo_seed.MODULE_DEMOS))
            report = demo_seed.seed(
                node, lambda step: bar.update(task, advance=1, description=step)
            )
        console.print(
            f"[green]Loaded[/] {report.items} dishes, {report.combos} set meals, "
            f"{report.tables} tables, {report.stations} kitchen stations."
        )
    from hearth.demo import catalogue

    key = demo_seed.register_demo_terminal(node)
    hq_proc = None
    if with_hq and not seed_only:
        var.mkdir(parents=True, exist_ok=True)
        hq_proc = demo_hq.DemoHQ(f"sqlite:///{hq_db}", host, hq_port, log=var / "hq.log")
        try:
            hq_proc.add_owner()
            hq_proc.start()
            enrolled, state = demo_hq.join(node, hq_proc.url)
            if enrolled:
                demo_hq.publish_menu(node, hq_proc.url)
        except Exception as exc:
            hq_proc.stop()
            node.close()
            _fail(
                f"the demo's HQ did not come up: {exc}",
                "see var/hq.log; free the port (--hq-port), start over with --fresh, or "
                "run without HQ (--no-hq).",
            )
            return
        if state.hq_url != hq_proc.url:
            console.print(
                f"[yellow]This store syncs to {state.hq_url}, not the demo's HQ "
                f"{hq_proc.url}: hearth demo --fresh starts over.[/]"
            )
        console.print(
            f"[green]{'Enrolled' if enrolled else 'Already enrolled'}[/] at HQ "
            f"{state.hq_url} as store {state.store_id}."
        )
    node.close()

    base = f"http://{host}:{port}"
    staff = Table(title="Demo staff (PIN sign-in)")
    for col in ("code", "name", "role", "PIN"):
        staff.add_column(col)
    for person in catalogue.STAFF:
        staff.add_row(person.code, person.name, person.role, person.pin)
    console.print(staff)
    console.print(f"Owner/manager admin password: [bold]{catalogue.OWNER_PASSWORD}[/]")
    console.print(f"Terminal key for this till (X-Terminal-Key): [bold]{key}[/]")
    console.print(f"API and its documentation: [link]{base}/docs[/]")
    console.print(f"Health: {base}/healthz")
    if seed_only:
        return
    import hearth.bootstrap  # noqa: F401  (page modules register themselves in PAGES)
    from hearth.web.i18n import translator
    from hearth.web.pages import PAGES

    english = translator("en")

    pages_table = Table(title="Pages")
    pages_table.add_column("page")
    pages_table.add_column("URL")
    for page in PAGES:
        pages_table.add_row(english(page["key"]), f"{base}{page['href']}")
    console.print(pages_table)
    for module in demo_seed.MODULE_DEMOS:
        for line in module.start_sidecars(base, settings):
            console.print(line)
    if hq_proc is None:
        _serve_demo(settings, host, port)
        return
    console.print(
        f"HQ (总部) pages: [link]{hq_proc.url}/hq/[/]  owner code [bold]"
        f"{demo_hq.OWNER_CODE}[/], password [bold]{demo_hq.OWNER_PASSWORD}[/]"
    )
    for what, command in demo_hq.plug_commands(hq_proc.pid):
        console.print(f"{what}:  [bold]{command}[/]", highlight=False)
    console.print(
        "The POS banner shows the events waiting (within ~20 s of the plug); "
        "Sync now / 立即同步 drains them once HQ is back."
    )
    try:
        _serve_demo(settings, host, port)
    finally:
        hq_proc.stop()


def _serve_demo(settings: Settings, host: str, port: int) -> None:
    """Serve the demo node with its test printers on the drills' switchboard, so a printer
    drill on the demo switches a printer off for real instead of asking someone to."""
    import uvicorn

    from hearth.bootstrap import build_node, create_app
    from hearth.demo import printing as demo_printing

    _configure_logging("warning")
    node = build_node(settings)
    demo_printing.put_on_switchboard(node)
    uvicorn.run(
        create_app(node=node),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        **_SHUTDOWN,
    )


@app.command()
def rebuild(
    db: DbOption = None,
    check: Annotated[bool, typer.Option(help="Only compare; change nothing.")] = False,
) -> None:
    """Rebuild every projection from the journal and check it matches what was there."""
    from hearth.bootstrap import build_node
    from hearth.core.rebuild import rebuild as do_rebuild

    _configure_logging("warning")
    node = build_node(_settings(db))
    with Progress(
        TextColumn("Replaying the journal"),
        BarColumn(),
        TextColumn("{task.completed} events"),
        console=console,
    ) as bar:
        task = bar.add_task("replay", total=node.writer.journal.next_seq - 1)
        report = do_rebuild(
            node.engine,
            node.projectors,
            keep=not check,
            progress=lambda n: bar.update(task, completed=n),
        )
        bar.update(task, completed=report.events)
    node.close()
    table = Table(title=f"Rebuilt from {report.events} events")
    table.add_column("projection")
    table.add_column("rows", justify="right")
    table.add_column("matches")
    for name, rows in report.tables.items():
        bad = report.mismatched.get(name)
        table.add_row(name, str(rows), f"[red]no: {bad}[/]" if bad else "[green]yes[/]")
    console.print(table)
    if not report.matches:
        console.print(
            "[red]Some projections did not match the journal.[/] "
            + (
                "Nothing was changed (--check)."
                if check
                else "They now match the journal, which is the source of truth."
            )
        )
        raise typer.Exit(2)
    console.print("[green]Every projection matches the journal.[/]")


@app.command()
def reconcile(
    db: DbOption = None,
    provider: Annotated[
        str | None, typer.Option(help="Only this provider (alipay, wechat, card...).")
    ] = None,
    hours: Annotated[float, typer.Option(help="How far back to look, in hours.")] = 24.0,
) -> None:
    """Compare our payments with each provider's statement and list every difference (exit 1
    when there is one)."""
    from hearth.bootstrap import build_node
    from hearth.payments.reconcile import run_command

    _configure_logging("warning")
    raise typer.Exit(run_command(build_node(_settings(db)), provider, hours, console))


hq_app = typer.Typer(
    help="A chain's HQ: stores enrol, sync their journals, pull the catalogue.",
    no_args_is_help=True,
)
app.add_typer(hq_app, name="hq")
HQDbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="SQLAlchemy URL of HQ's database (default: HEARTH_HQ_DB_URL or sqlite:///var/hq.db).",
    ),
]


def _hq_settings(db: str | None) -> HQSettings:
    return HQSettings(db_url=db) if db else HQSettings()


@hq_app.command("init")
def hq_init(db: HQDbOption = None) -> None:
    """Create (or migrate) HQ's database."""
    from hearth.hq.app import build_hq

    _configure_logging("warning")
    settings = _hq_settings(db)
    try:
        build_hq(settings).engine.dispose()
    except Exception as exc:
        _fail(
            f"could not open HQ's database {settings.db_url}: {exc}",
            "check the URL, that PostgreSQL is running, or that the disk is writable.",
        )
    console.print(f"[green]HQ database ready[/] at {settings.db_url}")


@hq_app.command("serve")
def hq_serve(
    db: HQDbOption = None,
    host: str = "127.0.0.1",
    port: int = 8100,
    log_level: str = "info",
    fd: Annotated[
        int | None,
        typer.Option(
            help="Serve on this inherited, already bound socket instead of host:port "
            "(hearth demo and the tests hold the port)."
        ),
    ] = None,
) -> None:
    """Serve HQ (start as many as you like over one database: they keep no state of their
    own)."""
    import socket

    import uvicorn

    from hearth.hq.app import create_hq_app

    _configure_logging(log_level)
    application = create_hq_app(_hq_settings(db))
    if fd is None:
        uvicorn.run(
            application, host=host, port=port, log_level=log_level, access_log=False, **_SHUTDOWN
        )
        return
    config = uvicorn.Config(application, log_level=log_level, access_log=False, **_SHUTDOWN)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


@hq_app.command("create-store")
def hq_create_store(
    store_id: Annotated[str, typer.Option("--store-id")],
    name: Annotated[str, typer.Option("--name")],
    db: HQDbOption = None,
) -> None:
    """Create a store at HQ and print its one-time enrolment code (valid 7 days)."""
    from hearth.core.errors import Problem
    from hearth.hq.app import build_hq
    from hearth.hq.service import create_store

    _configure_logging("warning")
    hq = build_hq(_hq_settings(db))
    try:
        code = create_store(hq, store_id, name)
    except Problem as p:
        _fail(p.detail, "choose another store id, or issue the store a new code at HQ.")
        return
    finally:
        hq.engine.dispose()
    console.print(f"Store [bold]{store_id}[/] created. Enrolment code (shown once):")
    console.print(code, highlight=False, soft_wrap=True)
    console.print(
        f"On the store: hearth init --hq URL --enrol {code}", highlight=False, soft_wrap=True
    )


@hq_app.command("add-owner")
def hq_add_owner(
    code: Annotated[str, typer.Option("--code")],
    name: Annotated[str, typer.Option("--name")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True)],
    db: HQDbOption = None,
) -> None:
    """Add an HQ owner (or set a new password for one)."""
    from hearth.core.errors import Problem
    from hearth.hq.app import build_hq
    from hearth.hq.owners import add_owner

    _configure_logging("warning")
    hq = build_hq(_hq_settings(db))
    try:
        add_owner(hq, code, name, password)
    except Problem as p:
        _fail(p.detail, "choose a longer password.")
    finally:
        hq.engine.dispose()
    console.print(f"[green]HQ owner {code} ready.[/]")


@app.command()
def doctor(
    db: DbOption = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="A running node (http://node:8000): its live checks too."),
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="A manager's access token for --url.")
    ] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes.")] = False,
    bundle: Annotated[
        Path | None,
        typer.Option("--bundle", help="Write a support zip (secrets, phones redacted)."),
    ] = None,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", help="The node's log file, for the bundle's last lines."),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="zh or en.")] = "zh",
) -> None:
    """Check every part of the store; say what broke, what still works and the fix.

    Exit code 0 all ok, 1 a warning, 2 a failure."""
    import asyncio

    from hearth.ops import report, service
    from hearth.ops.domain import Finding, exit_code

    _configure_logging("warning")
    settings = _settings(db)
    if url:
        try:
            result = report.fetch_remote(url, token, fix)
        except Exception as exc:
            _fail(
                f"cannot get the report from {url}: {exc}",
                "check the address and --token, or run without --url on the node's box.",
            )
            return
        findings = [Finding.from_json(f) for f in result["findings"]]
    else:
        from hearth.bootstrap import build_node

        node = build_node(settings)
        try:

            async def offline() -> dict[str, Any]:
                found = await service.run_doctor(node, live=False)
                done = []
                if fix:
                    done = await service.apply_safe_fixes(node, [], always=("checkpoint-wal",))
                    found = await service.run_doctor(node, live=False)
                return service.report_json(found, done)

            result = asyncio.run(offline())
        finally:
            node.close()
        findings = [Finding.from_json(f) for f in result["findings"]]
    console.print(report.table(findings, lang))
    for line in report.fixes_lines(result.get("fixes") or [], lang):
        console.print(line)
    if bundle is not None:
        report.write_bundle(bundle, result, settings, log_file)
        console.print(f"bundle: {bundle}")
    raise typer.Exit(exit_code(findings))


sync_app = typer.Typer(
    help="Sync with HQ: send what waits, see where the store stands.", no_args_is_help=True
)
app.add_typer(sync_app, name="sync")


@sync_app.command("status")
def sync_status(db: DbOption = None) -> None:
    """Where this store stands with its HQ (never shows the credential)."""
    from hearth.bootstrap import build_node
    from hearth.sync.api import status_json

    _configure_logging("warning")
    node = build_node(_settings(db))
    status = status_json(node)
    node.close()
    table = Table(title="HQ sync")
    table.add_column("")
    table.add_column("")
    for key in (
        "enrolled",
        "hq_url",
        "store_id",
        "epoch",
        "status",
        "hq_reachable",
        "events_waiting",
        "acked_seq",
        "journal_seq",
        "catalogue_version",
        "last_error",
    ):
        table.add_row(key, str(status.get(key, "")))
    for key in ("waiting_since_ms", "last_ok_at_ms", "unreachable_since_ms"):
        at = status.get(key)
        table.add_row(key.removesuffix("_ms"), _when(at) if at else "-")
    for alarm in status["alarms"]:
        table.add_row("[red]alarm[/]", f"{alarm['en']} / {alarm['zh']}")
    console.print(table)


def _when(ms: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


@sync_app.command("now")
def sync_now(db: DbOption = None) -> None:
    """Send every waiting event to HQ; exits once HQ holds them all (1 on an error)."""
    import asyncio

    from hearth.bootstrap import build_node
    from hearth.sync import service as sync

    _configure_logging("warning")
    node = build_node(_settings(db))
    # Upload only: the catalogue is applied by the serving node, whose writer numbers events.
    syncer = sync.Syncer(node.engine, _write_of(node), node.clock.now_ms, pull_catalogue=False)
    with node.engine.connect() as conn:
        state = sync.load_state(conn)
        top = sync.journal_top(conn)
    if state is None:
        node.close()
        _fail("this store has not joined an HQ.", "hearth init --hq URL --enrol CODE")
        return
    with Progress(
        TextColumn("[bold]Events acknowledged by HQ[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
    ) as bar:
        task = bar.add_task("sync", total=top, completed=state.acked_seq)
        outcome = asyncio.run(
            syncer.round(lambda acked, last: bar.update(task, completed=acked, total=last))
        )
        if outcome.drained:
            bar.update(task, completed=bar.tasks[0].total)
    node.close()
    if not outcome.drained:
        _fail(
            f"HQ does not hold everything yet: {outcome.reason}",
            "check the network and HQ, then run hearth sync now again "
            "(hearth sync status shows where it stands).",
        )
    console.print("[green]HQ holds every event of this store.[/]")


@app.command()
def backup(db: DbOption = None) -> None:
    """Back up the store database now (online: the node may keep serving), verify the copy,
    rotate, and list the backups kept."""
    from hearth.backup import service as backups
    from hearth.core.clock import SystemClock
    from hearth.core.errors import Problem

    _configure_logging("warning")
    settings = _settings(db)
    now = SystemClock().now_ms()
    try:
        taken = backups.take_backup(settings, now)
    except Problem as exc:
        _fail(exc.detail or exc.title, "check the disk has room and HEARTH_BACKUP_DIR is writable.")
        return
    _print_backups(backups.backup_dir(settings), now)
    if not taken.verified:
        _fail(
            f"the backup {taken.file} did not verify: {'; '.join(taken.problems)}",
            "run hearth doctor; keep the older backups until a new one verifies.",
        )
    console.print(
        f"[green]Backed up and verified[/] {taken.file} (journal up to seq {taken.journal_top})."
    )


def _print_backups(folder: Path, now_ms: int) -> None:
    from hearth.backup import service as backups

    table = Table(title=f"Backups kept in {folder}")
    for col in (
        "file",
        "taken (UTC)",
        "age",
        "journal top",
        "orders",
        "paid (CNY)",
        "size",
        "verified",
    ):
        table.add_column(col, justify="right" if col in ("journal top", "orders") else "left")
    for m in backups.list_backups(folder):
        age = m.age_s(now_ms)
        table.add_row(
            m.file,
            m.taken_at[:19],
            f"{age / 3600:.1f} h" if age >= 3600 else f"{age / 60:.0f} min",
            str(m.journal_top),
            str(m.totals.get("orders")),
            f"{m.totals.get('paid_total', 0) / 100:.2f}",
            f"{m.size / 1e6:.1f} MB",
            "[green]yes[/]" if m.verified else f"[red]no: {'; '.join(m.problems)}[/]",
        )
    console.print(table)


def _hq_copy_of(settings: Settings) -> Any:
    """What HQ holds of this store, for a restore from backup (None when the store never
    joined an HQ or its database cannot be read): HQ's copy of the journal, and putting the
    sync cursor back afterwards."""
    from hearth.backup.service import HqCopy
    from hearth.core.db import insert_rows, make_engine
    from hearth.ordering.projections import catalogue_version
    from hearth.sync import service as sync
    from hearth.sync.client import HqClient
    from hearth.sync.tables import sync_state

    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            state = sync.load_state(conn)
            credential = sync.load_credential(conn)
    except Exception:  # a damaged store database: restore without HQ's copy
        return None
    finally:
        engine.dispose()
    if state is None:
        return None

    async def fetch(after: int, limit: int) -> list[dict[str, Any]]:
        async with HqClient(state.hq_url, credential) as client:
            return await client.journal(after, limit)

    def restored(restored_engine: Any, top: int) -> None:
        import dataclasses

        with restored_engine.begin() as conn:
            acked = min(state.acked_seq, sync.journal_top(conn))
            row = dataclasses.asdict(state) | {
                "id": sync.STATE_ID,
                "credential": credential,
                "acked_seq": acked,
                "acked_digest": sync.digest_at(conn, acked),
                "catalogue_version": catalogue_version(conn, state.store_id),
            }
            conn.execute(sync_state.delete())
            insert_rows(conn, sync_state, row)

    return HqCopy(state.acked_seq, fetch, restored)


def _restore_backup(settings: Settings, at: str | None, force: bool) -> None:
    import asyncio
    import datetime as dt

    from hearth.backup import service as backups
    from hearth.bootstrap import projectors
    from hearth.core.errors import Problem

    at_ms = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            _fail(
                f"--at {at} is not a time.",
                "give it as 2026-11-29T12:30 (UTC) or with an offset, 2026-11-29T20:30+08:00.",
            )
            return
        at_ms = int((when if when.tzinfo else when.replace(tzinfo=dt.UTC)).timestamp() * 1000)
    path = settings.sqlite_path()
    if path is None:
        _fail(f"{settings.db_url} is not a SQLite file.", "restore a store node's database.")
        return
    try:
        backups.ensure_not_in_use(path)
    except Problem as exc:
        _fail(
            exc.detail or exc.title,
            "stop hearth serve (or the demo) on this database, then run hearth restore again.",
        )
    hq = _hq_copy_of(settings) if path.exists() else None
    with Progress(
        TextColumn("[bold]{task.description}[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
    ) as bar:
        task = bar.add_task("restoring", total=None)
        try:
            report = asyncio.run(
                backups.restore(
                    settings,
                    projectors(),
                    at_ms=at_ms,
                    force=force,
                    hq=hq,
                    progress=lambda what, done, total: bar.update(
                        task, description=what, completed=done, total=total
                    ),
                )
            )
        except Problem as exc:
            bar.stop()
            fixes = {
                "backup-would-lose-events": "sync with HQ first (hearth sync now), or "
                "accept the loss with --force.",
                "backup-none-good": "take one with hearth backup, or restore from HQ "
                "(hearth restore --from-hq).",
                "backup-hq-short": "check HQ is reachable and run hearth restore again.",
            }
            _fail(exc.detail or exc.title, fixes.get(exc.code, "stop the node and retry."))
            return
    for name in report.skipped:
        console.print(f"[yellow]Skipped[/] {name}: it no longer checks out (damaged on disk).")
    if report.plan.lost:
        console.print(
            f"[yellow]Warning:[/] forced: {report.plan.lost_count} event(s) (seq "
            f"{report.plan.lost[0]}..{report.plan.lost[1]}) that only the old "
            f"database held are gone."
        )
    console.print(
        f"[green]Restored[/] {report.backup.file} (taken {report.backup.taken_at[:19]}"
        f" UTC, journal up to seq {report.backup.journal_top})."
    )
    if hq is not None:
        console.print(
            f"Brought back {report.from_hq} event(s) from HQ; journal now ends at seq "
            f"{report.journal_top}" + ("; projections rebuilt." if report.rebuilt else ".")
        )
    console.print("Check it: hearth rebuild --check; then start the node.")


@app.command()
def restore(
    db: DbOption = None,
    from_hq: Annotated[bool, typer.Option("--from-hq", help="Restore from HQ's copy.")] = False,
    hq: Annotated[str, typer.Option("--hq", help="HQ's URL.")] = "",
    credential: Annotated[
        str, typer.Option("--credential", help="The store's credential (from HQ or the old box).")
    ] = "",
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="Restore the latest good backup taken at or before this time "
            "(ISO 8601; UTC unless it has an offset).",
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Restore even if events only this database holds are lost."),
    ] = False,
    from_hq_backup: Annotated[
        bool,
        typer.Option(
            "--from-hq-backup", help="Fetch HQ's newest backup copy (checked), then restore."
        ),
    ] = False,
) -> None:
    """Put the latest good backup back (the node stopped), with the journal HQ holds after it;
    or, with --from-hq, bring a store back on a new, empty database from HQ's copy."""
    import asyncio

    from hearth.bootstrap import build_node, projectors
    from hearth.core.errors import Problem
    from hearth.sync import service as sync

    _configure_logging("warning")
    if from_hq_backup:
        from hearth.ops.fleet import fetch_from_hq
        from hearth.sync.client import HqClient

        # With --hq and --credential it works when the store database itself is gone.
        client = HqClient(hq, credential) if hq and credential else None
        try:
            got = asyncio.run(fetch_from_hq(_settings(db), client=client))
        except Exception as exc:
            _fail(f"cannot fetch a backup from HQ: {exc}", "check HQ answers, then run it again.")
            return
        console.print(
            f"Fetched {got.file} from HQ ({got.size} bytes, SHA-256 checked, "
            f"{'verified' if got.verified else 'FAILED its check'})."
        )
    if not from_hq:
        _restore_backup(_settings(db), at, force)
        return
    if not hq or not credential:
        _fail(
            "restore --from-hq needs --hq URL and --credential.",
            "hearth restore --from-hq --hq URL --credential TOKEN --db URL",
        )
    node = build_node(_settings(db))
    node.close()
    with Progress(
        TextColumn("[bold]Downloading the journal from HQ[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} events"),
        console=console,
    ) as bar:
        task = bar.add_task("restore", total=None)
        try:
            done = asyncio.run(
                sync.restore_from_hq(
                    node.engine,
                    projectors(),
                    hq,
                    credential,
                    node.clock.now_ms(),
                    progress=lambda n, total: bar.update(task, completed=n, total=total),
                )
            )
        except Problem as exc:
            _fail(exc.detail, "restore into a new, empty database (--db).")
            return
        except Exception as exc:
            _fail(
                f"restore failed: {exc}",
                "check HQ's URL and the credential, then retry on an empty database.",
            )
            return
    node.engine.dispose()
    console.print(
        f"[green]Restored[/] store {done.store_id}: {done.events} events, epoch "
        f"{done.epoch} (the old box is fenced). Check it: hearth rebuild --check"
    )


@app.command()
def drill(
    fault: Annotated[
        str,
        typer.Argument(
            help="provider-down, hq-cut, kds-dark, printer-down, restore or node-killed."
        ),
    ],
    url: Annotated[
        str | None, typer.Option("--url", help="The running node (http://node:8000).")
    ] = None,
    token: Annotated[str | None, typer.Option("--token", help="The owner's access token.")] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="The provider, station or printer.")
    ] = None,
    duration: Annotated[float, typer.Option("--duration", help="Seconds to hold it.")] = 150.0,
    force: Annotated[bool, typer.Option("--force", help="Run in a service period.")] = False,
    db: DbOption = None,
    lang: Annotated[str, typer.Option("--lang", help="zh or en.")] = "zh",
) -> None:
    """Put a real fault on the store for a while; report each step, and that nothing was lost.

    node-killed runs the node itself (--db) and kills it; the others run inside a node
    (--url, --token). Exit code 0 passed, 1 not."""
    from rich.progress import SpinnerColumn

    from hearth.core.errors import Problem
    from hearth.ops import drill_cli

    _configure_logging("warning")
    marks = {True: "[green]✓[/]", False: "[red]✗[/]"}

    def say(step: dict[str, Any]) -> None:
        after = step.get("after_ms") or 0
        console.print(f"{marks[bool(step['ok'])]} {after / 1000:6.1f} s  {step[lang]}")

    try:
        if fault == "node-killed":
            from hearth.bootstrap import build_node

            report = drill_cli.node_killed(
                _settings(db), token, say, build_node=build_node, force=force
            )
        elif not url or not token:
            _fail(
                f"{fault} runs inside the node: give --url and --token",
                "hearth drill FAULT --url http://127.0.0.1:8000 --token <owner's token>",
            )
            return
        else:
            body = {"fault": fault, "target": target, "duration_s": duration, "force": force}
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=console) as p:
                task = p.add_task(f"{fault}…")
                report = drill_cli.remote(
                    url,
                    token,
                    body,
                    say,
                    tick=lambda s: p.update(task, description=f"{fault}: {s:.0f} s"),
                )
    except Problem as exc:
        _fail(exc.detail, "run it outside the service periods, or add --force (owner).")
        return
    except Exception as exc:
        _fail(f"the drill could not run: {exc}", "check --url, --token (the owner's) and --db.")
        return
    console.print(report.get(f"summary_{lang}") or "")
    raise typer.Exit(0 if report.get("status") == "passed" else 1)


@app.command()
def upgrade(
    db: DbOption = None,
    migrations: Annotated[
        Path | None,
        typer.Option("--migrations", hidden=True, help="Another migrations folder (tests)."),
    ] = None,
) -> None:
    """Apply this version's migrations behind a verified backup; put it back if one fails.

    Run it with the node stopped, after installing the new version. Exit code 0 upgraded (or
    nothing to do), 1 a migration failed and the backup is back in place, 2 worse."""
    import time

    from hearth.backup.upgrade import upgrade_store
    from hearth.core.errors import Problem

    _configure_logging("warning")
    settings = _settings(db)
    if settings.sqlite_path() is None:
        _fail(f"{settings.db_url} is not a SQLite file.", "upgrade a store node's database.")
    try:
        report = upgrade_store(settings, int(time.time() * 1000), script_location=migrations)
    except Problem as exc:
        _fail(exc.detail or exc.title, "stop hearth serve on this database, then run it again.")
        return
    table = Table(title=f"hearth upgrade → {__version__}")
    table.add_column("Step")
    table.add_column("Result")
    table.add_row("database revision", str(report.before))
    table.add_row("code's newest", str(report.head))
    if not report.pending:
        table.add_row("migrations", "[green]nothing to apply: already up to date[/]")
        console.print(table)
        return
    table.add_row("pending", ", ".join(report.pending))
    b = report.backup
    if b is not None:
        table.add_row(
            "backup first",
            f"[green]{b.file}[/] ({b.size} bytes, journal top {b.journal_top}, verified)",
        )
    if report.ok:
        table.add_row("migrations", f"[green]applied: now at {report.after}[/]")
        console.print(table)
        return
    table.add_row("migrations", f"[bold red]failed:[/] {report.error}")
    if report.restored:
        table.add_row("rolled back", f"[yellow]backup put back; still at {report.after}[/]")
        console.print(table)
        console.print(
            "[yellow]The store is as it was before the upgrade. Keep running the old version "
            "and send support this output.[/]"
        )
        raise typer.Exit(1)
    table.add_row("rolled back", f"[bold red]could not put it back:[/] {report.restore_error}")
    console.print(table)
    console.print(
        f"[bold red]Do not start the node.[/] Restore it: hearth restore --db {settings.db_url}"
    )
    raise typer.Exit(2)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
