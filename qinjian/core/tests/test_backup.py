"""Backup and restore: a real round trip on the test database (SQLite, and PostgreSQL when it runs there)."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from qinjian.core import backup
from qinjian.core.backup import BackupError, create_backup, restore_backup
from qinjian.core.models import SecurityEvent, WorkerHeartbeat
from qinjian.core.security_log import verify_chain
from qinjian.testing.factories import PersonFactory, UnitFactory

# Transactional: a restore replaces the whole database, which a wrapping test transaction would hide.
# serialized_rollback keeps the reference data of the migrations (ranks, roles) for later tests.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

needs_pg_tools = pytest.mark.skipif(
    connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump/pg_restore not installed",
)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "合同.pdf").write_bytes(b"%PDF-1.4 contract")
    return settings.MEDIA_ROOT


def _rewrite(archive: Path, target: Path, *, manifest_edit=None, replace: dict[str, bytes] | None = None) -> Path:
    """Copy an archive, editing its manifest or replacing a member's bytes (a tampered backup)."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read() if member.isfile() else b""
            if member.name == "manifest.json" and manifest_edit:
                manifest = json.loads(data)
                manifest_edit(manifest)
                data = json.dumps(manifest).encode()
            if replace and member.name in replace:
                data = replace[member.name]
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def _unit_names() -> list[str]:
    return sorted(apps.get_model("org", "Unit").objects.values_list("name", flat=True))


@needs_pg_tools
def test_round_trip_restores_database_and_media(mini_city, media, tmp_path):
    Person = apps.get_model("org", "Person")
    person = PersonFactory(unit=mini_city.edu, name="王建国", phone="13912345678")
    names_before = _unit_names()
    people_before = Person.objects.count()

    result = create_backup(output_dir=tmp_path / "backups")

    assert result.path.parent == tmp_path / "backups"
    assert result.path.name.startswith("qinjian-backup-") and result.path.name.endswith(".tar.gz")
    assert result.warnings == []
    manifest = result.manifest
    assert manifest["vendor"] == connection.vendor
    assert manifest["includes_keys"] is False
    assert "0001_initial" in manifest["migrations"]["org"]
    assert set(manifest["files"]) == {manifest["database"], "media/attachments/合同.pdf"}
    with tarfile.open(result.path, "r:gz") as tar:
        names = tar.getnames()
    assert not any(name.startswith("keys/") for name in names)
    event = SecurityEvent.objects.filter(event_type="config_changed").latest("id")
    assert event.detail["action"] == "backup" and event.detail["include_keys"] is False

    # the disaster: data changed and deleted, files lost and added
    apps.get_model("org", "Unit").objects.filter(pk=mini_city.edu.pk).update(name="改名后的教育局")
    Person.objects.filter(pk=person.pk).delete()
    UnitFactory(code="NEW-1", name="备份之后新建的单位")
    (media / "attachments" / "合同.pdf").unlink()
    (media / "stray.txt").write_text("after backup")

    restored = restore_backup(archive=result.path, keys_dir=tmp_path / "keys")

    assert restored.migrated is False and restored.keys_restored == []
    assert _unit_names() == names_before
    assert Person.objects.count() == people_before
    back = Person.objects.get(pk=person.pk)
    assert back.name == "王建国" and back.phone == "13912345678"
    assert (media / "attachments" / "合同.pdf").read_bytes() == b"%PDF-1.4 contract"
    assert not (media / "stray.txt").exists()
    assert not list(tmp_path.glob("media.*"))
    last = SecurityEvent.objects.latest("id")
    assert last.event_type == "config_changed" and last.detail["action"] == "restore"
    assert last.detail["backup_created_at"] == manifest["created_at"]
    assert verify_chain().ok


@needs_pg_tools
def test_corrupted_archive_is_refused_and_changes_nothing(mini_city, media, tmp_path):
    path = create_backup(output_dir=tmp_path).path
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle:middle + 64] = bytes(64)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(raw))
    apps.get_model("org", "Unit").objects.filter(pk=mini_city.edu.pk).update(name="备份后改名")

    with pytest.raises(BackupError) as exc:
        restore_backup(archive=broken, keys_dir=tmp_path / "keys")

    assert exc.value.message.startswith("备份文件已损坏或不是勤俭备份文件")
    assert "备份后改名" in _unit_names()
    assert (media / "attachments" / "合同.pdf").exists()
    refused = SecurityEvent.objects.latest("id")
    assert refused.success is False and refused.detail["action"] == "restore"


@needs_pg_tools
def test_tampered_file_fails_checksum(mini_city, media, tmp_path):
    path = create_backup(output_dir=tmp_path).path
    tampered = _rewrite(path, tmp_path / "tampered.tar.gz",
                        replace={"media/attachments/合同.pdf": b"%PDF-1.4 forged!!"})
    (media / "attachments" / "合同.pdf").write_bytes(b"current")

    with pytest.raises(BackupError) as exc:
        restore_backup(archive=tampered, keys_dir=tmp_path / "keys")

    assert exc.value.message == "备份文件已损坏或不是勤俭备份文件：文件 media/attachments/合同.pdf 校验和不符"
    assert (media / "attachments" / "合同.pdf").read_bytes() == b"current"


def test_not_an_archive_is_refused(db, tmp_path):
    fake = tmp_path / "notes.tar.gz"
    fake.write_text("这不是备份")
    with pytest.raises(BackupError) as exc:
        restore_backup(archive=fake)
    assert exc.value.message == "备份文件已损坏或不是勤俭备份文件：无法解压"
    with pytest.raises(BackupError) as exc:
        restore_backup(archive=tmp_path / "missing.tar.gz")
    assert exc.value.message == f"备份文件不存在：{tmp_path / 'missing.tar.gz'}"


@needs_pg_tools
def test_archive_from_other_vendor_or_newer_version_is_refused(mini_city, media, tmp_path):
    path = create_backup(output_dir=tmp_path).path
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_vendor(m):
        m["vendor"] = other

    def newer(m):
        m["migrations"]["org"].append("0999_from_the_future")

    with pytest.raises(BackupError) as exc:
        restore_backup(archive=_rewrite(path, tmp_path / "v.tar.gz", manifest_edit=other_vendor))
    assert exc.value.code == "vendor_mismatch"
    assert exc.value.message.startswith(f"备份来自 {other} 数据库，当前配置的是 {connection.vendor}，不能恢复。")

    with pytest.raises(BackupError) as exc:
        restore_backup(archive=_rewrite(path, tmp_path / "n.tar.gz", manifest_edit=newer))
    assert exc.value.code == "newer_migrations"
    assert "org.0999_from_the_future" in exc.value.message


@needs_pg_tools
def test_restore_refuses_other_keys_unless_archive_carries_them(mini_city, media, tmp_path, settings):
    plain = create_backup(output_dir=tmp_path).path
    with_keys = create_backup(output_dir=tmp_path / "k", include_keys=True)
    assert with_keys.warnings and "包含密钥" in with_keys.warnings[0]
    original_field_key = settings.QINJIAN_FIELD_KEY
    settings.QINJIAN_FIELD_KEY = "another-installation-key"

    with pytest.raises(BackupError) as exc:
        restore_backup(archive=plain, keys_dir=tmp_path / "keys")
    assert exc.value.code == "key_mismatch"

    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    (keys_dir / "secret_key").write_text(settings.SECRET_KEY)
    (keys_dir / "audit_key").write_text(settings.QINJIAN_AUDIT_KEY)
    (keys_dir / "field_key").write_text("another-installation-key")
    result = restore_backup(archive=with_keys.path, keys_dir=keys_dir)

    assert result.keys_restored == ["field_key"]
    assert (keys_dir / "field_key").read_text() == original_field_key
    assert (keys_dir / "field_key").stat().st_mode & 0o777 == 0o600
    assert [p.read_text() for p in keys_dir.glob("field_key.before-restore-*")] == ["another-installation-key"]


@needs_pg_tools
def test_restore_refused_while_worker_runs(mini_city, media, tmp_path):
    path = create_backup(output_dir=tmp_path).path
    WorkerHeartbeat.objects.create(name="w:1", beat_at=timezone.now() - timedelta(seconds=5), hostname="app1", pid=42)
    apps.get_model("org", "Unit").objects.filter(pk=mini_city.edu.pk).update(name="运行中改名")

    with pytest.raises(BackupError) as exc:
        restore_backup(archive=path, keys_dir=tmp_path / "keys")

    assert exc.value.code == "server_running"
    assert "运行中改名" in _unit_names()


def test_missing_pg_dump_gives_chinese_error(monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(BackupError) as exc:
        backup._pg_tool("pg_dump")
    assert exc.value.message.startswith("未找到 PostgreSQL 客户端程序 pg_dump。")


@needs_pg_tools
def test_commands(mini_city, media, tmp_path, capsys):
    call_command("backup", output=str(tmp_path))
    out = capsys.readouterr().out
    assert out.startswith(f"备份完成：{tmp_path}/qinjian-backup-")
    path = next(tmp_path.glob("qinjian-backup-*.tar.gz"))
    apps.get_model("org", "Unit").objects.filter(pk=mini_city.edu.pk).update(name="未确认")

    with pytest.raises(CommandError) as exc:
        call_command("restore", str(path))
    assert "确认无误后加 --yes 重新执行" in str(exc.value)
    assert "未确认" in _unit_names()

    call_command("restore", str(path), yes=True)
    assert "未确认" not in _unit_names()
    assert capsys.readouterr().out.startswith("恢复完成：")
