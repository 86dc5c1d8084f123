"""Backup and restore: one .tar.gz with the database, the media folder and a manifest.

Archive layout::

    database/qinjian.sqlite3   (SQLite: an online copy through sqlite3's backup API)
    database/qinjian.pgdump    (PostgreSQL: pg_dump --format=custom)
    media/...                  (settings.MEDIA_ROOT)
    keys/...                   (only with include_keys: they decrypt the data)
    manifest.json              (version, time, vendor, migration state, SHA-256 of every file)

The keys stay out of the archive by default: a stolen backup without the keys reveals no phone
numbers and cannot forge the audit chain. The manifest carries key fingerprints instead, so a
restore can refuse an archive that the installed keys cannot read.
"""

from __future__ import annotations

import getpass
import hashlib
import io
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings
from django.utils import timezone

import qinjian

from .errors import DomainError
from .models import SecurityEventType, WorkerHeartbeat
from .security_log import record

FORMAT = 1
PRODUCT = "qinjian"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/qinjian.sqlite3"
PG_MEMBER = "database/qinjian.pgdump"
# (file name in var/ and in the archive, the setting that holds the effective value)
KEYS = (("secret_key", "SECRET_KEY"), ("field_key", "QINJIAN_FIELD_KEY"), ("audit_key", "QINJIAN_AUDIT_KEY"))
# Keys without which restored data is unreadable (phones) or the audit chain looks forged.
ESSENTIAL_KEYS = ("field_key", "audit_key")
WORKER_ALIVE_SECONDS = 120
CHUNK = 1024 * 1024


class BackupError(DomainError):
    code = "backup_error"


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    migrated: bool = False
    keys_restored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------------


def default_backup_dir() -> Path:
    return _var_dir() / "backups"


def _var_dir() -> Path:
    from qinjian.settings.env import VAR_DIR

    return Path(VAR_DIR)


def key_fingerprint(name: str, value: str) -> str:
    """A one-way tag of a key: equal tags mean equal keys, and the tag reveals nothing usable."""
    return hashlib.sha256(f"qinjian-key-fingerprint:{name}:{value}".encode()).hexdigest()[:16]


def _effective_keys() -> dict[str, str]:
    return {name: str(getattr(settings, setting)) for name, setting in KEYS}


def migration_state() -> dict[str, list[str]]:
    """Applied migrations per app, as the database records them."""
    state: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def _known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


class _HashingReader(io.RawIOBase):
    """Feeds a file to tarfile while computing its SHA-256, so each file is read once."""

    def __init__(self, fh: IO[bytes]):
        self._fh = fh
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.sha.update(data)
        return data


def _add_file(tar: tarfile.TarFile, src: Path, arcname: str, files: dict[str, dict[str, Any]]) -> None:
    with src.open("rb") as fh:
        info = tar.gettarinfo(fileobj=fh, arcname=arcname)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(fh)
        tar.addfile(info, reader)  # type: ignore[arg-type]
    files[arcname] = {"sha256": reader.sha.hexdigest(), "size": info.size}


def _add_bytes(tar: tarfile.TarFile, data: bytes, arcname: str, mode: int = 0o600) -> None:
    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mode = mode
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _actor_detail() -> dict[str, Any]:
    try:
        os_user = getpass.getuser()
    except Exception:
        os_user = ""
    return {"os_user": os_user, "host": socket.gethostname()}


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    args += ["--dbname", str(db["NAME"]), "--no-password"]
    return env, args


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"未找到 PostgreSQL 客户端程序 {name}。请安装与数据库服务器版本一致的客户端"
            f"（Debian：apt-get install postgresql-client），并确保 {name} 在 PATH 中。",
            code="pg_tool_missing",
        )
    return path


def _run(cmd: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        raise BackupError(f"{what}失败：{proc.stderr.strip()[-800:]}", code="pg_tool_failed")
    return proc


def _unique_path(directory: Path, stamp: str) -> Path:
    path = directory / f"qinjian-backup-{stamp}.tar.gz"
    n = 2
    while path.exists():
        path = directory / f"qinjian-backup-{stamp}-{n}.tar.gz"
        n += 1
    return path


# --- backup ----------------------------------------------------------------------------------------


def _dump_database(workdir: Path) -> tuple[Path, str]:
    vendor = connection.vendor
    if vendor == "sqlite":
        target = workdir / "qinjian.sqlite3"
        connection.ensure_connection()
        dst = sqlite3.connect(target)
        try:
            # The backup API copies a consistent snapshot while the server keeps running.
            connection.connection.backup(dst)
        finally:
            dst.close()
        return target, SQLITE_MEMBER
    if vendor == "postgresql":
        pg_dump = _pg_tool("pg_dump")
        target = workdir / "qinjian.pgdump"
        env, args = _pg_env_and_args()
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],
             env, "pg_dump 导出数据库")
        return target, PG_MEMBER
    raise BackupError(f"不支持备份该数据库类型：{vendor}", code="vendor_unsupported")


def _media_files(media_root: Path) -> Iterator[tuple[Path, str]]:
    if not media_root.is_dir():
        return
    for path in sorted(media_root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path, "media/" + path.relative_to(media_root).as_posix()


def create_backup(*, output_dir: Path | None = None, include_keys: bool = False) -> BackupResult:
    """Write one timestamped archive and record a security event; returns its path and manifest."""
    directory = Path(output_dir) if output_dir else default_backup_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"无法创建备份目录 {directory}：{exc.strerror}", code="output_dir") from exc
    now = timezone.localtime()
    path = _unique_path(directory, now.strftime("%Y%m%d-%H%M%S"))
    keys = _effective_keys()
    warnings: list[str] = []
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "product": PRODUCT,
        "version": qinjian.__version__,
        "created_at": now.isoformat(),
        "host": socket.gethostname(),
        "vendor": connection.vendor,
        "migrations": migration_state(),
        "includes_keys": include_keys,
        "key_fingerprints": {name: key_fingerprint(name, value) for name, value in keys.items()},
        "files": {},
    }
    files: dict[str, dict[str, Any]] = manifest["files"]
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="qinjian-backup-", dir=directory) as tmp:
        db_file, db_member = _dump_database(Path(tmp))
        manifest["database"] = db_member
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                _add_file(tar, db_file, db_member, files)
                media_count = 0
                for src, arcname in _media_files(Path(settings.MEDIA_ROOT)):
                    _add_file(tar, src, arcname, files)
                    media_count += 1
                if include_keys:
                    for name, value in keys.items():
                        data = value.encode()
                        _add_bytes(tar, data, f"keys/{name}")
                        files[f"keys/{name}"] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                    warnings.append("备份中包含密钥（secret_key、field_key、audit_key）：持有此文件即可解密手机号等"
                                    "加密数据并伪造审计链。请加密保存、限制访问，不要与普通备份放在一起。")
                manifest["media_files"] = media_count
                _add_bytes(tar, json.dumps(manifest, ensure_ascii=False, indent=2).encode(), MANIFEST, 0o644)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    record(SecurityEventType.CONFIG_CHANGED, object_type="backup", object_id=path.name[:64],
           action="backup", file=str(path), size=path.stat().st_size, include_keys=include_keys,
           vendor=connection.vendor, **_actor_detail())
    return BackupResult(path=path, manifest=manifest, warnings=warnings)


# --- restore ---------------------------------------------------------------------------------------


def _corrupt(detail: str) -> BackupError:
    return BackupError(f"备份文件已损坏或不是勤俭备份文件：{detail}", code="archive_corrupt")


def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


@contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    if not archive.is_file():
        raise BackupError(f"备份文件不存在：{archive}", code="archive_missing")
    try:
        tar = tarfile.open(archive, mode="r:gz")  # noqa: SIM115 - closed in the finally below
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise _corrupt("无法解压") from exc
    try:
        yield tar
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise _corrupt("读取时出错") from exc
    finally:
        tar.close()


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of an archive, checked for shape (not yet for checksums)."""
    with _open_archive(archive) as tar:
        return _manifest_from(tar)


def _manifest_from(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError as exc:
        raise _corrupt("缺少 manifest.json") from exc
    fh = tar.extractfile(member)
    if fh is None:
        raise _corrupt("manifest.json 不是文件")
    try:
        manifest = json.loads(fh.read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _corrupt("manifest.json 格式错误") from exc
    if not isinstance(manifest, dict) or manifest.get("product") != PRODUCT:
        raise _corrupt("manifest.json 不属于勤俭")
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式版本：{manifest.get('format')}", code="format_unsupported")
    for key, kind in (("files", dict), ("migrations", dict), ("vendor", str), ("database", str)):
        if not isinstance(manifest.get(key), kind):
            raise _corrupt(f"manifest.json 缺少 {key}")
    if manifest["database"] not in manifest["files"]:
        raise _corrupt("manifest.json 未登记数据库文件")
    return manifest


def _check_compatible(manifest: dict[str, Any], *, have_keys: bool) -> list[str]:
    """Refuse what cannot be restored here; return warnings for what can."""
    warnings: list[str] = []
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"备份来自 {manifest['vendor']} 数据库，当前配置的是 {connection.vendor}，不能恢复。"
            "请在同类数据库上恢复（数据库间迁移请使用 dumpdata/loaddata）。", code="vendor_mismatch")
    known = _known_migrations()
    unknown = sorted(f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
                     if (app, name) not in known)
    if unknown:
        raise BackupError(
            f"备份来自更新版本的程序（本程序没有迁移 {', '.join(unknown[:5])}），不能恢复。"
            f"请先把程序升级到 {manifest.get('version', '备份时的')} 版本或更新版本，再恢复。",
            code="newer_migrations")
    if not have_keys:
        current = {name: key_fingerprint(name, value) for name, value in _effective_keys().items()}
        expected = manifest.get("key_fingerprints") or {}
        wrong = [name for name in ESSENTIAL_KEYS if name in expected and expected[name] != current[name]]
        if wrong:
            raise BackupError(
                f"当前密钥（{'、'.join(wrong)}）与备份时不同：恢复后加密字段无法解密、审计链校验失败。"
                "请先把备份时的密钥文件放回 var/（或设置对应环境变量），再恢复。", code="key_mismatch")
        if "secret_key" in expected and expected["secret_key"] != current["secret_key"]:
            warnings.append("secret_key 与备份时不同：恢复后所有用户需要重新登录。")
    return warnings


def _extract_verified(tar: tarfile.TarFile, manifest: dict[str, Any], staging: Path) -> None:
    """Extract every listed file into staging, checking names, sizes and SHA-256."""
    listed: dict[str, dict[str, Any]] = manifest["files"]
    seen: set[str] = set()
    for member in tar:
        name = member.name
        if name == MANIFEST:
            continue
        if member.isdir():
            continue
        if not member.isfile() or not _safe_member_name(name):
            raise _corrupt(f"包含不允许的条目 {name}")
        if name not in listed:
            raise _corrupt(f"包含清单之外的文件 {name}")
        fh = tar.extractfile(member)
        if fh is None:
            raise _corrupt(f"无法读取 {name}")
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256()
        size = 0
        with target.open("wb") as out:
            while chunk := fh.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
                out.write(chunk)
        expected = listed[name]
        if sha.hexdigest() != expected.get("sha256") or size != expected.get("size"):
            raise _corrupt(f"文件 {name} 校验和不符")
        seen.add(name)
    missing = sorted(set(listed) - seen)
    if missing:
        raise _corrupt(f"缺少文件 {', '.join(missing[:5])}")


def _refuse_if_running() -> None:
    try:
        recent = WorkerHeartbeat.objects.filter(
            beat_at__gte=timezone.now() - timedelta(seconds=WORKER_ALIVE_SECONDS)).first()
    except Exception:
        return  # a broken or empty database is exactly what a restore repairs
    if recent is not None:
        raise BackupError(
            f"后台任务进程仍在运行（{recent.hostname}，PID {recent.pid}）。恢复前请停止所有 Web 服务和任务进程"
            "（systemctl stop qinjian-web qinjian-worker），两分钟后再试。", code="server_running")


def _restore_sqlite(db_file: Path) -> None:
    src = sqlite3.connect(db_file)
    try:
        result = src.execute("PRAGMA integrity_check").fetchone()
        if not result or result[0] != "ok":
            raise _corrupt("数据库文件完整性检查失败")
        if connection.in_atomic_block:
            raise BackupError("恢复不能在数据库事务中进行。", code="in_transaction")
        connection.ensure_connection()
        # Copy page by page into the live database: one write transaction, so the file is never
        # half old and half new, and the WAL and open connections stay consistent.
        src.backup(connection.connection)
    except sqlite3.DatabaseError as exc:
        raise _corrupt(f"数据库文件无法读取（{exc}）") from exc
    finally:
        src.close()


def _restore_postgresql(dump: Path) -> None:
    pg_restore = _pg_tool("pg_restore")
    env, args = _pg_env_and_args()
    listing = _run([pg_restore, "--list", str(dump)], env, "读取 pg_dump 备份")
    archived = set()
    for line in listing.stdout.splitlines():
        parts = line.split()
        # "215; 1259 16390 TABLE public core_unit postgres"
        if len(parts) >= 6 and not line.startswith(";") and parts[3] == "TABLE":
            archived.add(parts[5])
    if not archived:
        raise _corrupt("数据库备份中没有数据表")
    # Tables that newer migrations created are not in the archive: drop them, or the following
    # `migrate` would find them already there.
    with connection.cursor() as cursor:
        extra = [t for t in connection.introspection.table_names(cursor) if t not in archived]
        for table in extra:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
    connection.close()
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
          "--exit-on-error", *args, str(dump)], env, "pg_restore 恢复数据库")


def _swap_media(staged_media: Path) -> None:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    incoming = media_root.with_name(media_root.name + ".restoring")
    old = media_root.with_name(media_root.name + ".before-restore")
    shutil.rmtree(incoming, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    if staged_media.is_dir():
        shutil.copytree(staged_media, incoming)
    else:
        incoming.mkdir()
    if media_root.exists():
        media_root.rename(old)
    incoming.rename(media_root)
    shutil.rmtree(old, ignore_errors=True)


def _write_keys(staged_keys: Path, keys_dir: Path) -> tuple[list[str], dict[str, str]]:
    """Put archived keys into var/, keeping a copy of any different key that was there."""
    restored: list[str] = []
    values: dict[str, str] = {}
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    keys_dir.mkdir(parents=True, exist_ok=True)
    for name, _setting in KEYS:
        src = staged_keys / name
        if not src.is_file():
            continue
        value = src.read_text().strip()
        values[name] = value
        target = keys_dir / name
        if target.exists():
            if target.read_text().strip() == value:
                continue
            target.rename(keys_dir / f"{name}.before-restore-{stamp}")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(value)
        restored.append(name)
    return restored, values


def restore_backup(*, archive: Path, keys_dir: Path | None = None) -> RestoreResult:
    """Verify an archive, then replace the database and the media folder with its contents."""
    archive = Path(archive)
    try:
        return _restore(archive, keys_dir or _var_dir())
    except BackupError as exc:
        # A refused restore must still report its reason when the log cannot be written.
        with suppress(Exception):
            record(SecurityEventType.CONFIG_CHANGED, success=False, object_type="backup",
                   object_id=archive.name[:64], action="restore", file=str(archive), reason=exc.message,
                   **_actor_detail())
        raise


def _restore(archive: Path, keys_dir: Path) -> RestoreResult:
    with tempfile.TemporaryDirectory(prefix="qinjian-restore-", dir=_staging_parent()) as tmp:
        staging = Path(tmp)
        # Phase 1: read and verify everything before touching anything.
        with _open_archive(archive) as tar:
            manifest = _manifest_from(tar)
            have_keys = bool(manifest.get("includes_keys"))
            warnings = _check_compatible(manifest, have_keys=have_keys)
            _refuse_if_running()
            _extract_verified(tar, manifest, staging)
        # Phase 2: apply. The database first: if it fails, media and keys are untouched.
        db_file = staging / manifest["database"]
        if manifest["vendor"] == "sqlite":
            _restore_sqlite(db_file)
        else:
            _restore_postgresql(db_file)
        _swap_media(staging / "media")
        keys_restored: list[str] = []
        key_values: dict[str, str] = {}
        if have_keys:
            keys_restored, key_values = _write_keys(staging / "keys", keys_dir)
    migrated = False
    applied = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    if _known_migrations() - applied:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        migrated = True
    if keys_restored:
        warnings.append(f"已恢复密钥 {'、'.join(keys_restored)}：请重启 Web 服务和后台任务进程使其生效。")
    overrides = {setting: key_values[name] for name, setting in KEYS if name in key_values}
    # Sign the restore event with the keys the restored chain was built with.
    with override_settings(**overrides):
        record(SecurityEventType.CONFIG_CHANGED, object_type="backup", object_id=archive.name[:64],
               action="restore", file=str(archive), backup_created_at=manifest.get("created_at", ""),
               migrated=migrated, keys_restored=keys_restored, **_actor_detail())
    return RestoreResult(manifest=manifest, migrated=migrated, keys_restored=keys_restored, warnings=warnings)


def _staging_parent() -> Path:
    # Next to the media folder, so the final swap is a rename on the same file system.
    parent = Path(settings.MEDIA_ROOT).parent
    parent.mkdir(parents=True, exist_ok=True)
    return parent


def describe(manifest: dict[str, Any]) -> str:
    created = manifest.get("created_at", "")
    with suppress(TypeError, ValueError):
        created = datetime.fromisoformat(created).strftime("%Y-%m-%d %H:%M:%S")
    return (f"版本 {manifest.get('version', '?')}，创建于 {created}，数据库 {manifest.get('vendor')}，"
            f"附件 {manifest.get('media_files', 0)} 个，{'含' if manifest.get('includes_keys') else '不含'}密钥")
