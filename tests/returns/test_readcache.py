"""The read cache: a compile after validate reuses the reading, and changes nothing.

With and without the cache the issues, their order, every read and every
output are identical, on the bundled samples and on the hostile batch; an
entry is used only for the same bytes under the same name, definition,
hnbxl and history; a damaged, foreign or forged entry is read past; a cache
folder that is a link, or open to others, is never used; the folder stays
within its bound.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import struct
from datetime import date
from pathlib import Path

import pytest

from hnbxl.api import compile_returns, validate_returns
from hnbxl.programme.definition import Programme
from hnbxl.returns import parallel, readcache
from hnbxl.returns.readcache import CACHE_FOLDER, ReadCache
from hnbxl.store.workspace import Workspace, init_workspace
from tests.conftest import SAMPLES
from tests.returns.test_parallel import hostile_batch

pytestmark = pytest.mark.skipif(not readcache._SUPPORTED, reason="no dir_fd: no read cache")

FEB = sorted((SAMPLES / "2024-02").glob("*.xlsx"))


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A working folder (init): the only kind validate keeps readings in."""
    return init_workspace(tmp_path / "work")


def test_validate_keeps_nothing_in_a_folder_that_is_not_a_working_folder(
        tmp_path: Path) -> None:
    """Validating in any folder (-w defaults to the current one) leaves nothing there."""
    plain = Workspace(tmp_path / "plain")
    plain.root.mkdir()
    assert validate_returns(plain, FEB).reused == 0
    assert validate_returns(plain, FEB).reused == 0
    assert list(plain.root.iterdir()) == []


def entries(work: Path) -> list[Path]:
    """The packs: one per validate run that read something."""
    return sorted((work / CACHE_FOLDER).glob("*.pack"))


def parse(pack: Path) -> tuple[str, list[list[object]], bytes]:
    """A pack's key text, its index and the bytes before the index."""
    data = pack.read_bytes()[:-32]
    (size,) = struct.unpack(">I", data[-4:])
    index = json.loads(data[-4 - size:-4])
    return index["context"], index["entries"], data[:-4 - size]


def write_pack(pack: Path, key: bytes, context: str, readings: list[tuple[str, str, bytes]]
               ) -> None:
    """An authentic pack (its HMAC made with the folder's key) of ``readings``."""
    magic = readcache._MAGIC
    body, index = bytearray(magic), []
    for sha256, display, payload in readings:  # a batch each, the reading first in it
        index.append([sha256, display, len(body), len(payload),
                      hashlib.sha256(payload).hexdigest(), 0])
        body += payload
    text = json.dumps({"context": context, "entries": index}).encode()
    body += text + struct.pack(">I", len(text))
    pack.write_bytes(bytes(body) + hmac.new(key, bytes(body), "sha256").digest())


def test_compile_after_validate_reuses_every_reading_and_writes_the_same(
        tmp_path: Path) -> None:
    cached, plain = init_workspace(tmp_path / "cached"), init_workspace(tmp_path / "plain")
    first = validate_returns(cached, FEB)
    assert first.reused == 0 and len(entries(cached.root)) == 1
    assert len(parse(entries(cached.root)[0])[1]) == len(FEB)
    again = validate_returns(cached, FEB)
    assert again.reused == len(FEB)
    assert again.reads == first.reads and again.issues == first.issues
    assert again.to_dict() == first.to_dict()
    one = compile_returns(cached, FEB, extracted_on=date(2024, 3, 4))
    two = compile_returns(plain, FEB, extracted_on=date(2024, 3, 4), read_cache=False)
    assert one.reused == len(FEB) and two.reused == 0
    assert one.issues == two.issues and one.counts == two.counts
    for a, b in ((one.output, two.output), (one.officer, two.officer)):
        assert a is not None and b is not None and a.read_bytes() == b.read_bytes()
    assert not (plain.root / CACHE_FOLDER).exists()  # compile keeps nothing of its own


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_hostile_batch_reads_the_same_from_the_cache(
        tmp_path: Path, workspace: Workspace, programme: Programme, jobs: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_CHUNK", 1)  # two workers even for a small batch
    files = hostile_batch(tmp_path / "returned", programme)
    plain = validate_returns(workspace, files, newest_wins=True, period="2024-02", jobs=jobs,
                             read_cache=False)
    stored = validate_returns(workspace, files, newest_wins=True, period="2024-02", jobs=jobs)
    reused = validate_returns(workspace, files, newest_wins=True, period="2024-02", jobs=jobs)
    # every file with bytes to hash is kept (not the missing one), once per name
    assert reused.reused == len(files) - 1
    for got in (stored, reused):
        assert got.reads == plain.reads
        assert got.issues == plain.issues
        assert got.values == plain.values
        assert got.to_dict() == plain.to_dict()


def test_an_entry_is_for_the_same_bytes_name_definition_and_hnbxl(
        tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "send.xlsx"
    copy.write_bytes(FEB[-1].read_bytes())
    assert validate_returns(workspace, [copy]).reused == 0
    assert validate_returns(workspace, [copy]).reused == 1
    assert validate_returns(workspace, [tmp_path / "." / "send.xlsx"]).reused == 1  # same path
    other = tmp_path / "again.xlsx"
    other.write_bytes(copy.read_bytes())  # same bytes, another name the issues would quote
    assert validate_returns(workspace, [other]).reused == 0
    copy.write_bytes(copy.read_bytes() + b"\0")  # other bytes under the same name
    assert validate_returns(workspace, [copy]).reused == 0
    copy.write_bytes(FEB[-1].read_bytes())
    monkeypatch.setattr(readcache, "_code_stamp", lambda: "another hnbxl")
    assert validate_returns(workspace, [copy]).reused == 0
    monkeypatch.undo()
    assert validate_returns(workspace, [copy]).reused == 1
    edited = workspace.definition_path.read_text(encoding="utf-8").replace(
        'committee = "Children\'s Select Committee"', 'committee = "Cabinet"')  # a new version
    (workspace.root / "programme.toml").write_text(edited, encoding="utf-8")
    assert validate_returns(workspace, [copy]).reused == 0


def test_history_changing_between_validate_and_compile_means_reading_again(
        tmp_path: Path) -> None:
    work = init_workspace(tmp_path / "w")
    validate_returns(work, FEB)
    assert compile_returns(work, FEB, extracted_on=date(2024, 3, 4)).reused == len(FEB)
    # history now holds a compile: a reading made before it is not trusted after it
    assert compile_returns(work, FEB, extracted_on=date(2024, 3, 4)).reused == 0


def _only_entry(work: Path) -> Path:
    found = entries(work)
    assert len(found) == 1
    return found[0]


class _Boom:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch pwned",))


@pytest.mark.parametrize("damage", ["truncated", "flipped", "foreign", "empty", "link",
                                    "forged-pickle", "wrong-record", "bad-offset",
                                    "swapped-reading"])
def test_a_bad_entry_is_read_past(tmp_path: Path, workspace: Workspace, damage: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plain = validate_returns(workspace, FEB[:1], read_cache=False)
    validate_returns(workspace, FEB[:1])
    entry = _only_entry(workspace.root)
    key = (workspace.root / CACHE_FOLDER / "key").read_bytes()
    data = entry.read_bytes()
    context, index, _before = parse(entry)
    sha256, display = str(index[0][0]), str(index[0][1])
    if damage == "truncated":
        entry.write_bytes(data[:len(data) // 2])
    elif damage == "flipped":
        entry.write_bytes(data[:40] + bytes([data[40] ^ 1]) + data[41:])
    elif damage == "foreign":
        entry.write_bytes(b"PK\x03\x04" + os.urandom(200))
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "link":
        (tmp_path / "elsewhere").write_bytes(data)
        entry.unlink()
        entry.symlink_to(tmp_path / "elsewhere")
    elif damage == "forged-pickle":  # authentic, yet it would run code: never unpickled
        write_pack(entry, key, context, [(sha256, display, pickle.dumps(_Boom()))])
    elif damage == "swapped-reading":  # the index's digest no longer matches the bytes
        write_pack(entry, key, context, [(sha256, display, _before[18:])])
        raw = bytearray(entry.read_bytes())
        raw[18] ^= 1  # one byte of the reading, under a fresh HMAC: its digest catches it
        raw[-32:] = hmac.new(key, bytes(raw[:-32]), "sha256").digest()
        entry.write_bytes(bytes(raw))
    elif damage == "wrong-record":  # an authentic record of another kind
        write_pack(entry, key, context, [(sha256, display, pickle.dumps(["not a read"]))])
    else:  # an index pointing outside its pack
        write_pack(entry, key, context, [(sha256, display, b"")])
        raw = entry.read_bytes()
        assert raw.count(b', 18, 0, "') == 1
        raw = raw.replace(b', 18, 0, "', b', 18, 9999, "')
        entry.write_bytes(raw[:-32] + hmac.new(key, raw[:-32], "sha256").digest())
    got = validate_returns(workspace, FEB[:1])
    assert got.reused == 0
    assert got.reads == plain.reads and got.issues == plain.issues
    assert not (tmp_path / "pwned").exists()


def _cache_is_ignored(workspace: Workspace) -> None:
    plain = validate_returns(workspace, FEB, read_cache=False)
    for _ in range(2):
        got = validate_returns(workspace, FEB)
        assert got.reused == 0
        assert got.reads == plain.reads and got.issues == plain.issues


def test_a_linked_cache_folder_is_not_followed(tmp_path: Path, workspace: Workspace) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (workspace.root / CACHE_FOLDER).symlink_to(elsewhere)
    _cache_is_ignored(workspace)
    assert list(elsewhere.iterdir()) == []  # nothing written through the link


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_cache_folder_others_may_write_is_not_used(workspace: Workspace) -> None:
    folder = workspace.root / CACHE_FOLDER
    folder.mkdir()
    folder.chmod(0o777)
    _cache_is_ignored(workspace)
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
@pytest.mark.parametrize("key", ["readable", "link", "short"])
def test_a_key_others_may_read_or_a_planted_key_is_not_used(
        tmp_path: Path, workspace: Workspace, key: str) -> None:
    validate_returns(workspace, FEB)
    path = workspace.root / CACHE_FOLDER / "key"
    if key == "readable":
        path.chmod(0o644)
    elif key == "link":
        (tmp_path / "planted").write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(tmp_path / "planted")
    else:
        path.write_bytes(b"short")
    assert validate_returns(workspace, FEB).reused == 0


def test_a_folder_that_cannot_be_written_changes_nothing(workspace: Workspace) -> None:
    folder = workspace.root / CACHE_FOLDER
    folder.mkdir(mode=0o700)
    validate_returns(workspace, FEB[:1])  # the key is made
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):  # root may write anyway
            pytest.skip("running as a user whom permissions do not stop")
        plain = validate_returns(workspace, FEB, read_cache=False)
        got = validate_returns(workspace, FEB)
        assert got.reads == plain.reads and got.issues == plain.issues
    finally:
        folder.chmod(0o700)


def test_the_folder_keeps_within_its_bound_oldest_first(
        workspace: Workspace, programme: Programme) -> None:
    for path in FEB:  # a pack each
        validate_returns(workspace, [path])
    packs = entries(workspace.root)
    assert len(packs) == len(FEB)
    oldest = packs[1]
    os.utime(oldest, (1, 1))  # written long ago
    limit = sum(p.stat().st_size for p in packs) - 1
    cache = ReadCache.open(workspace.root, programme, workspace.history(), storing=True,
                           limit=limit)
    assert cache is not None
    cache.stored = 1  # as after storing: the bound is kept on closing
    cache.close()
    left = entries(workspace.root)
    assert oldest not in left and len(left) == len(FEB) - 1
    assert sum(p.stat().st_size for p in left) <= limit


def test_an_interrupted_validate_keeps_nothing(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from hnbxl.returns import validate

    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(validate, "validate_reads", interrupted)
    with pytest.raises(KeyboardInterrupt):
        validate_returns(workspace, FEB)
    assert [p.name for p in (workspace.root / CACHE_FOLDER).iterdir()] == ["key"]


def test_a_temporary_file_left_by_a_dead_run_is_swept(workspace: Workspace) -> None:
    validate_returns(workspace, FEB[:1])
    stale = workspace.root / CACHE_FOLDER / ".x.pack.0123456789ab.hnbxl.tmp"
    stale.write_bytes(b"half")
    os.utime(stale, (1, 1))
    fresh = workspace.root / CACHE_FOLDER / ".y.pack.0123456789ab.hnbxl.tmp"
    fresh.write_bytes(b"being written")
    validate_returns(workspace, FEB[1:])
    assert not stale.exists() and fresh.exists()


def test_a_pack_is_named_by_its_key_and_private(workspace: Workspace) -> None:
    validate_returns(workspace, FEB[:1])
    pack = _only_entry(workspace.root)
    context, index, _before = parse(pack)
    assert pack.name.startswith(hashlib.sha256(context.encode()).hexdigest()[:32] + "-")
    assert [row[1] for row in index] == [str(FEB[0])]
    assert oct(pack.stat().st_mode & 0o777) == oct(0o600)


def test_a_full_disk_stops_storing_and_changes_nothing(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = validate_returns(workspace, FEB, read_cache=False)

    write = readcache._write

    def full(fd: int, data: bytes) -> None:
        if len(data) > 32:  # the key goes in; no entry does
            raise OSError(28, "No space left on device")
        write(fd, data)

    monkeypatch.setattr(readcache, "_write", full)
    got = validate_returns(workspace, FEB)
    assert got.reads == plain.reads and got.issues == plain.issues
    assert [p.name for p in (workspace.root / CACHE_FOLDER).iterdir()] == ["key"]  # no temp


def test_a_reading_that_cannot_be_packed_is_not_kept(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = validate_returns(workspace, FEB, read_cache=False)

    class Unpicklable:
        def dump(self, _sent: object) -> None:
            raise pickle.PicklingError("a value of a kind no read holds")

    monkeypatch.setattr(readcache, "pickler", lambda _buffer: Unpicklable())
    got = validate_returns(workspace, FEB)
    assert got.reads == plain.reads and got.issues == plain.issues
    assert entries(workspace.root) == []
