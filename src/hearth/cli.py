"""The ``hearth`` command: init, serve, demo, rebuild, reconcile."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import structlog
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from hearth import __version__
from hearth.core.config import Settings
from hearth.hq.config import HQSettings

app = typer.Typer(help="Hearth store node: restaurant ordering that keeps working through faults.",
                  no_args_is_help=True, add_completion=False)
console = Console()

DbOption = Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL of the database.")]


def _settings(db: str | None) -> Settings:
    return Settings(db_url=db) if db else Settings()


def _configure_logging(level: str = "info") -> None:
    logging.basicConfig(format="%(message)s", stream=sys.stderr,
                        level=getattr(logging, level.upper(), logging.INFO))
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(logging, level.upper(), logging.INFO)),
        processors=[structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="%H:%M:%S"),
                    structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())])


def _fail(message: str, fix: str) -> None:
    console.print(f"[bold red]Error:[/] {message}\n[yellow]Fix:[/] {fix}")
    raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print the version."""
    console.print(f"hearth {__version__}")


@app.command()
def init(db: DbOption = None) -> None:
    """Create (or migrate) a store database."""
    from hearth.bootstrap import build_node

    _configure_logging("warning")
    settings = _settings(db)
    try:
        node = build_node(settings)
    except Exception as exc:  # the message, not the trace, is what a manager needs
        _fail(f"could not open the database {settings.db_url}: {exc}",
              "check the path or URL and that the disk is writable.")
        return
    node.close()
    console.print(f"[green]Store database ready[/] at {settings.db_url}")


@app.command()
def serve(db: DbOption = None, host: str = "127.0.0.1", port: int = 8000,
          log_level: str = "info",
          fd: Annotated[int | None, typer.Option(
              help="Serve on this inherited, already bound socket instead of host:port "
                   "(a parent that holds the port, as the tests do).")] = None) -> None:
    """Serve the store node's API and pages."""
    import socket

    import uvicorn

    from hearth.bootstrap import create_app

    _configure_logging(log_level)
    application = create_app(_settings(db))
    if fd is None:
        uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=False)
        return
    # socket(fileno=) reads the family and protocol from the descriptor; uvicorn's own --fd
    # assumes a Unix socket, which leaves TCP_NODELAY off (40 ms per kept-alive call).
    config = uvicorn.Config(application, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[socket.socket(fileno=fd)])


@app.command()
def demo(db: DbOption = None, host: str = "127.0.0.1", port: int = 8000,
         fresh: Annotated[bool, typer.Option(help="Start from an empty database.")] = False,
         seed_only: Annotated[bool, typer.Option(help="Load the demo, do not serve.")] = False
         ) -> None:
    """Load a realistic Chinese restaurant, print how to reach it, and serve it."""
    from hearth.bootstrap import build_node
    from hearth.demo import seed as demo_seed

    _configure_logging("warning")
    settings = _settings(db or "sqlite:///var/demo.db")
    path = settings.sqlite_path()
    if fresh and path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    node = build_node(settings)
    if not demo_seed.is_seeded(node):
        with Progress(TextColumn("[bold]Loading the demo restaurant[/] {task.description}"),
                      BarColumn(), console=console) as bar:
            task = bar.add_task("", total=7 + len(demo_seed.MODULE_DEMOS))
            report = demo_seed.seed(node, lambda step: bar.update(task, advance=1,
                                                                  description=step))
        console.print(f"[green]Loaded[/] {report.items} dishes, {report.combos} set meals, "
                      f"{report.tables} tables, {report.stations} kitchen stations.")
    from hearth.demo import catalogue

    key = demo_seed.register_demo_terminal(node)
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
    serve(db=settings.db_url, host=host, port=port, log_level="warning")


@app.command()
def rebuild(db: DbOption = None,
            check: Annotated[bool, typer.Option(help="Only compare; change nothing.")] = False
            ) -> None:
    """Rebuild every projection from the journal and check it matches what was there."""
    from hearth.bootstrap import build_node
    from hearth.core.rebuild import rebuild as do_rebuild

    _configure_logging("warning")
    node = build_node(_settings(db))
    with Progress(TextColumn("Replaying the journal"), BarColumn(),
                  TextColumn("{task.completed} events"), console=console) as bar:
        task = bar.add_task("replay", total=node.writer.journal.next_seq - 1)
        report = do_rebuild(node.engine, node.projectors, keep=not check,
                            progress=lambda n: bar.update(task, completed=n))
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
        console.print("[red]Some projections did not match the journal.[/] "
                      + ("Nothing was changed (--check)." if check else
                         "They now match the journal, which is the source of truth."))
        raise typer.Exit(2)
    console.print("[green]Every projection matches the journal.[/]")


@app.command()
def reconcile(db: DbOption = None,
              provider: Annotated[str | None, typer.Option(
                  help="Only this provider (alipay, wechat, card...).")] = None,
              hours: Annotated[float, typer.Option(
                  help="How far back to look, in hours.")] = 24.0) -> None:
    """Compare our payments with each provider's statement and list every difference (exit 1
    when there is one)."""
    from hearth.bootstrap import build_node
    from hearth.payments.reconcile import run_command

    _configure_logging("warning")
    raise typer.Exit(run_command(build_node(_settings(db)), provider, hours, console))


hq_app = typer.Typer(help="A chain's HQ: stores enrol, sync their journals, pull the catalogue.",
                     no_args_is_help=True)
app.add_typer(hq_app, name="hq")
HQDbOption = Annotated[str | None, typer.Option(
    "--db", help="SQLAlchemy URL of HQ's database (default: HEARTH_HQ_DB_URL or "
                 "sqlite:///var/hq.db).")]


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
        _fail(f"could not open HQ's database {settings.db_url}: {exc}",
              "check the URL, that PostgreSQL is running, or that the disk is writable.")
    console.print(f"[green]HQ database ready[/] at {settings.db_url}")


@hq_app.command("serve")
def hq_serve(db: HQDbOption = None, host: str = "127.0.0.1", port: int = 8100,
             log_level: str = "info") -> None:
    """Serve HQ (start as many as you like over one database: they keep no state of their
    own)."""
    import uvicorn

    from hearth.hq.app import create_hq_app

    _configure_logging(log_level)
    uvicorn.run(create_hq_app(_hq_settings(db)), host=host, port=port, log_level=log_level,
                access_log=False)


@hq_app.command("create-store")
def hq_create_store(store_id: Annotated[str, typer.Option("--store-id")],
                    name: Annotated[str, typer.Option("--name")],
                    db: HQDbOption = None) -> None:
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
    console.print(f"On the store: hearth init --hq URL --enrol {code}", highlight=False,
                  soft_wrap=True)


@hq_app.command("add-owner")
def hq_add_owner(code: Annotated[str, typer.Option("--code")],
                 name: Annotated[str, typer.Option("--name")],
                 password: Annotated[str, typer.Option("--password", prompt=True,
                                                       hide_input=True)],
                 db: HQDbOption = None) -> None:
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
