"""``hearth upgrade``: a verified backup first, then the migrations; a migration that fails
puts the backup back and says so. The new versions live in a copy of the migrations folder
made by each test (never in the product tree)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from hearth.backup import service as backups
from hearth.backup.upgrade import plan
from hearth.bootstrap import build_node
from hearth.cli import app
from hearth.core.db import make_engine
from hearth.core.migrate import MIGRATIONS, alembic_config
from hearth.ordering.service import Channel, Context, LineInput, place_order
from hearth.testing.builders import a_small_restaurant, fast_settings

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()

GOOD = '''"""Test: a new table

Revision ID: 9001
Revises: {head}
"""
import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("upgrade_probe", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("upgrade_probe")
'''

# Creates a table and writes to it, then fails half way.
BAD = '''"""Test: a migration that fails half way

Revision ID: 9002
Revises: {head}
"""
import sqlalchemy as sa
from alembic import op

revision = "9002"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO half_done (id) VALUES (1)")
    raise RuntimeError("this migration is broken on purpose")


def downgrade() -> None:
    pass
'''


def versions_with(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "9xxx_test.py").write_text(source.format(head=HEAD))
    return folder


@pytest.fixture
def store_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/store.db"
    node = build_node(fast_settings(url, backup_dir=str(tmp_path / "backups")))
    ids = a_small_restaurant(node)
    ctx = Context(None, node.now_ms(), node.settings.timezone)
    node.writer.run_batch(
        [
            lambda tx: place_order(
                tx,
                ctx,
                channel=Channel.TAKEAWAY,
                table_id=None,
                lines=[LineInput(ids.items["rice"])],
            )
        ]
        * 5
    )
    node.close()
    return url


def journal_of(url: str) -> list[tuple[int, str]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return [(int(s), str(t)) for s, t in conn.execute("SELECT seq, type FROM journal")]


def tables_of(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def run_upgrade(url: str, tmp_path: Path, migrations: Path | None) -> object:
    args = ["upgrade", "--db", url]
    if migrations is not None:
        args += ["--migrations", str(migrations)]
    env = {"HEARTH_BACKUP_DIR": str(tmp_path / "backups"), "COLUMNS": "200"}
    return CliRunner().invoke(app, args, env=env)


def test_nothing_pending_changes_nothing(store_db: str, tmp_path: Path) -> None:
    result = run_upgrade(store_db, tmp_path, None)
    assert result.exit_code == 0, result.output
    assert "already up to date" in result.output
    assert backups.list_backups(tmp_path / "backups") == []


def test_a_new_migration_is_applied_after_a_verified_backup(store_db: str, tmp_path: Path) -> None:
    migrations = versions_with(tmp_path, GOOD)
    engine = make_engine(store_db)
    try:
        assert plan(engine, migrations)[2] == ["9001"]
    finally:
        engine.dispose()
    before = journal_of(store_db)
    result = run_upgrade(store_db, tmp_path, migrations)
    assert result.exit_code == 0, result.output
    assert "applied: now at 9001" in result.output and "verified" in result.output
    assert "upgrade_probe" in tables_of(store_db)
    kept = backups.list_backups(tmp_path / "backups")
    assert len(kept) == 1 and kept[0].verified and kept[0].journal_top == len(before)
    assert journal_of(store_db) == before


def test_a_failing_migration_puts_the_backup_back_and_says_so(
    store_db: str, tmp_path: Path
) -> None:
    migrations = versions_with(tmp_path, BAD)
    before = journal_of(store_db)
    inode = Path(store_db.removeprefix("sqlite:///")).stat().st_ino
    result = run_upgrade(store_db, tmp_path, migrations)
    assert result.exit_code == 1, result.output
    assert "broken on purpose" in result.output
    assert "backup put back" in result.output and f"still at {HEAD}" in result.output
    # The file is the backup, put in its place (a new file), holding what it held.
    assert Path(store_db.removeprefix("sqlite:///")).stat().st_ino != inode
    assert journal_of(store_db) == before
    assert "half_done" not in tables_of(store_db)
    engine = make_engine(store_db)
    try:
        assert plan(engine)[0] == HEAD  # the product's own migrations: nothing pending
        assert plan(engine)[2] == []
    finally:
        engine.dispose()
    node = build_node(fast_settings(store_db))  # and the node starts on it
    node.close()
