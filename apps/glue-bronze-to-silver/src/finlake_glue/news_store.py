"""Where the news table lives: a zone (a local folder or an S3 bucket and prefix), and the day pointers
(a symlink per day locally, the Glue partition's location in AWS). The transform and the compaction only
see keys relative to a zone root, so the same code runs on Glue and on this machine.

    local   silver/fmp_news/session_date=D -> symlink to _versions/fmp_news/session_date=D/v=<version>/
    AWS     Glue partition fmp_news(session_date=D).Location = s3://<silver>/_versions/.../v=<version>/

Either switch is one atomic operation: a reader planning a query sees the old version or the new one.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class Zone:
    """A lake zone's objects by key (`a/b/c.parquet`, relative to the zone root)."""

    uri: str

    def get(self, key: str) -> bytes | None:
        raise NotImplementedError

    def put(self, key: str, data: bytes) -> None:
        """Atomic: a reader sees the old object or the new one, never a part."""
        raise NotImplementedError

    def create(self, key: str, data: bytes) -> bool:
        """Writes only when the key does not exist yet; False when it does (a lock's put)."""
        raise NotImplementedError

    def keys(self, prefix: str) -> list[str]:
        """Every object under `prefix`, in key order (no writer's temp files)."""
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def size(self, key: str) -> int:
        raise NotImplementedError

    def uri_of(self, key: str) -> str:
        return f"{self.uri.rstrip('/')}/{key}"


@dataclass
class LocalZone(Zone):
    root: Path

    @property
    def uri(self) -> str:  # type: ignore[override]
        return str(self.root)

    def path(self, key: str) -> Path:
        return self.root / key

    def get(self, key: str) -> bytes | None:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".tmp-{path.name}.{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def create(self, key: str, data: bytes) -> bool:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return False
        os.write(fd, data)
        os.close(fd)
        return True

    def keys(self, prefix: str) -> list[str]:
        base = self.path(prefix)
        folder = base if prefix.endswith("/") or base.is_dir() else base.parent
        if not folder.is_dir():
            return []
        found = (p.relative_to(self.root).as_posix() for p in folder.rglob("*") if p.is_file())
        return sorted(k for k in found if k.startswith(prefix) and ".tmp-" not in k)

    def delete(self, key: str) -> None:
        path = self.path(key)
        path.unlink(missing_ok=True)
        # Empty folders go with their last object (S3 has none to leave behind).
        for parent in path.parents:
            if parent == self.root or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size


class S3Zone(Zone):
    def __init__(self, s3, uri: str):
        bucket, _, prefix = uri.split("://", 1)[1].partition("/")
        self.s3, self.bucket, self.prefix = s3, bucket, prefix.strip("/")
        self.uri = f"s3://{bucket}" + (f"/{self.prefix}" if self.prefix else "")

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def get(self, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None

    def put(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def create(self, key: str, data: bytes) -> bool:
        from botocore.exceptions import ClientError

        try:  # S3's conditional write: one creator wins, the others get 412
            self.s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, IfNoneMatch="*")
            return True
        except ClientError as err:
            if err.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict"):
                return False
            raise

    def keys(self, prefix: str) -> list[str]:
        strip = len(self.prefix) + 1 if self.prefix else 0
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(prefix)
        )
        return sorted(o["Key"][strip:] for p in pages for o in p.get("Contents", []))

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    def size(self, key: str) -> int:
        return self.s3.head_object(Bucket=self.bucket, Key=self._key(key))["ContentLength"]


class DayPointers:
    """Per session day, the version (a key prefix ending in `/`) readers see."""

    def get(self, day: str) -> str | None:
        raise NotImplementedError

    def set(self, day: str, version: str) -> None:
        raise NotImplementedError

    def days(self) -> list[str]:
        raise NotImplementedError


@dataclass
class SymlinkPointers(DayPointers):
    """`<table>/session_date=D` is a relative symlink to the version; a switch renames a new link over it."""

    zone: LocalZone
    table: str  # the table's key prefix, e.g. `fmp_news/`

    def _link(self, day: str) -> Path:
        return self.zone.path(self.table) / f"session_date={day}"

    def get(self, day: str) -> str | None:
        link = self._link(day)
        if not link.is_symlink():
            return None
        return link.resolve().relative_to(self.zone.root.resolve()).as_posix() + "/"

    def set(self, day: str, version: str) -> None:
        link = self._link(day)
        link.parent.mkdir(parents=True, exist_ok=True)
        tmp = link.with_name(f".tmp-{link.name}.{os.getpid()}")
        tmp.unlink(missing_ok=True)
        os.symlink(os.path.relpath(self.zone.path(version), link.parent), tmp)
        os.replace(tmp, link)

    def days(self) -> list[str]:
        folder = self.zone.path(self.table)
        links = folder.glob("session_date=*") if folder.is_dir() else []
        return sorted(p.name.removeprefix("session_date=") for p in links if p.is_symlink())


class GluePartitionPointers(DayPointers):
    """The Glue catalog's partition of the day: its location is the version Athena reads. The partition's
    storage descriptor is the table's (columns, formats, SerDe) with the version's location."""

    def __init__(self, glue, zone: S3Zone, database: str, table: str):
        self.glue, self.zone, self.database, self.table = glue, zone, database, table

    def get(self, day: str) -> str | None:
        try:
            p = self.glue.get_partition(
                DatabaseName=self.database, TableName=self.table, PartitionValues=[day]
            )
        except self.glue.exceptions.EntityNotFoundException:
            return None
        location = p["Partition"]["StorageDescriptor"]["Location"]
        root = self.zone.uri.rstrip("/") + "/"
        if not location.startswith(root):
            raise RuntimeError(
                f"{self.database}.{self.table} partition {day} points at {location}, outside {root}: "
                "fix the partition's location (the job only switches between versions it wrote)"
            )
        return location[len(root) :].rstrip("/") + "/"

    def set(self, day: str, version: str) -> None:
        sd = dict(
            self.glue.get_table(DatabaseName=self.database, Name=self.table)["Table"]["StorageDescriptor"]
        )
        sd["Location"] = self.zone.uri_of(version)
        entry = {"Values": [day], "StorageDescriptor": sd}
        try:
            self.glue.update_partition(
                DatabaseName=self.database,
                TableName=self.table,
                PartitionValueList=[day],
                PartitionInput=entry,
            )
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_partition(DatabaseName=self.database, TableName=self.table, PartitionInput=entry)

    def days(self) -> list[str]:
        pages = self.glue.get_paginator("get_partitions").paginate(
            DatabaseName=self.database, TableName=self.table
        )
        return sorted(p["Values"][0] for page in pages for p in page["Partitions"])


@contextmanager
def writer_lock(zone: Zone, key: str, run_id: str, what: str, stale_after_s: float = 3600) -> Iterator[None]:
    """One writer of a table at a time. A lock whose holder died on this host, or older than
    `stale_after_s` (a writer on another host that never finished), is taken over."""
    host = socket.gethostname()
    doc = json.dumps({"run_id": run_id, "host": host, "pid": os.getpid(), "at": time.time()}).encode()
    for _ in range(2):
        if zone.create(key, doc):
            break
        try:
            held = json.loads(zone.get(key) or b"{}")
        except ValueError:
            held = {}
        dead = held.get("host") == host and not _pid_alive(held.get("pid"))
        if not dead and time.time() - held.get("at", 0) < stale_after_s:
            raise RuntimeError(
                f"{what} is being written by run {held.get('run_id')} (pid {held.get('pid')} on "
                f"{held.get('host')}); retry when it has finished, or delete {zone.uri_of(key)} if that run is dead"
            )
        zone.delete(key)
    else:
        raise RuntimeError(f"could not take the {what} writer lock at {zone.uri_of(key)}")
    try:
        yield
    finally:
        zone.delete(key)


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def open_zone(uri: str, s3=None) -> Zone:
    """A zone from a job argument: `s3://bucket[/prefix]`, or an absolute local path (`file:` optional)."""
    if uri.startswith(("s3://", "s3a://")):
        return S3Zone(s3 or client("s3"), uri.replace("s3a://", "s3://", 1))
    return LocalZone(Path(uri.removeprefix("file://").removeprefix("file:")))


def client(service: str):
    """A boto3 client; FINLAKE_AWS_ENDPOINT_URL (the platform's override) points it at a stand-in."""
    import boto3

    endpoint = os.environ.get("FINLAKE_AWS_ENDPOINT_URL") or None
    return boto3.client(service, **({"endpoint_url": endpoint} if endpoint else {}))
