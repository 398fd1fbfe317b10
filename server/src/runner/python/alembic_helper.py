"""Schema Warden's Alembic helper: one long-lived process per run, driven over JSON lines.

Requests arrive on stdin, one JSON object per line: {"id": 1, "cmd": "upgrade", "args": {...}}.
Each gets exactly one response line on the original stdout: {"id": 1, "ok": true, "result": ...}
or {"id": 1, "ok": false, "error": {"type", "message", "sql", ...}}.

Why a long-lived process: starting Python and importing Alembic costs ~0.5 s, which a per-step
`alembic` subprocess would pay for every upgrade, downgrade and snapshot of a round trip.

Why stdout is moved: alembic, env.py and the project's own code print and log freely. The JSON
channel keeps the original stdout file descriptor to itself; fd 1 and sys.stdout are pointed at
stderr, which the extension forwards to its log.

Runs on Python 3.7+ with Alembic >= 1.8 / SQLAlchemy 1.4 and Alembic 1.20 / SQLAlchemy 2.x.
The project's env.py reads the database URL from an environment variable (DATABASE_URL unless
configured otherwise); the helper also sets `sqlalchemy.url` on the Config for env.py files that
use config.get_main_option("sqlalchemy.url").
"""
import io
import json
import os
import sys
import time
import traceback

PROTOCOL_VERSION = 1


def _claim_stdout():
    """Keeps the real stdout for JSON and sends everything else written to fd 1 to stderr."""
    channel_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return io.open(channel_fd, "w", encoding="utf-8", buffering=1, newline="\n")


CHANNEL = _claim_stdout()


def send(message):
    CHANNEL.write(json.dumps(message, default=str) + "\n")
    CHANNEL.flush()


class HelperError(Exception):
    def __init__(self, type_, message, **extra):
        Exception.__init__(self, message)
        self.type = type_
        self.extra = extra


def describe_error(exc):
    """Turns an exception into the structured error the extension shows (type, message, SQL)."""
    if isinstance(exc, HelperError):
        error = {"type": exc.type, "message": str(exc)}
        error.update(exc.extra)
        return error
    error = {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(exc).strip(),
    }
    # SQLAlchemy's DBAPIError carries the statement and the driver's own error.
    statement = getattr(exc, "statement", None)
    if statement:
        error["sql"] = str(statement).strip()
        params = getattr(exc, "params", None)
        if params:
            error["params"] = repr(params)
    orig = getattr(exc, "orig", None)
    if orig is not None:
        error["driverError"] = type(orig).__name__
        pgcode = getattr(orig, "pgcode", None) or getattr(orig, "sqlstate", None)
        if pgcode:
            error["pgcode"] = pgcode
        diag = getattr(orig, "diag", None)
        primary = getattr(diag, "message_primary", None) if diag is not None else None
        error["message"] = (primary or str(orig).strip().split("\n")[0]).strip()
        detail = getattr(diag, "message_detail", None) if diag is not None else None
        if detail:
            error["detail"] = detail
    # Where in the project's own code it happened: the innermost frame under the project folder.
    project_dir = os.path.abspath(os.getcwd()) + os.sep
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith("<"):  # code compiled from a string, e.g. "<string>"
            continue
        filename = os.path.abspath(frame.filename)
        if filename.startswith(project_dir) and os.sep + "site-packages" + os.sep not in filename:
            error["file"] = filename
            error["line"] = frame.lineno
            break
    error["traceback"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-8000:]
    return error


def import_alembic():
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError as exc:
        raise HelperError(
            "MissingDependency",
            str(exc),
            module=getattr(exc, "name", None) or "alembic",
            python=sys.executable,
        )


def pick_driver_url(url):
    """A URL without a driver (postgresql://) means psycopg2 to SQLAlchemy; fall back to psycopg 3."""
    if not url or "+" in url.split("://", 1)[0]:
        return url
    scheme, rest = url.split("://", 1)
    if scheme not in ("postgresql", "postgres"):
        return url
    for module, driver in (("psycopg2", "psycopg2"), ("psycopg", "psycopg")):
        try:
            __import__(module)
            return "postgresql+%s://%s" % (driver, rest)
        except ImportError:
            continue
    raise HelperError(
        "MissingDependency",
        "No PostgreSQL driver for SQLAlchemy: neither psycopg2 nor psycopg imports",
        module="psycopg2",
        python=sys.executable,
    )


class Session(object):
    """State kept across requests: where the project is and which database it points at."""

    def __init__(self):
        self.project_dir = os.getcwd()
        self.config_file = os.environ.get("SCHEMA_WARDEN_ALEMBIC_CONFIG", "alembic.ini")
        self.ini_section = os.environ.get("SCHEMA_WARDEN_ALEMBIC_SECTION", "alembic")
        self.url_env = os.environ.get("SCHEMA_WARDEN_URL_ENV", "DATABASE_URL")
        self.url = os.environ.get("SCHEMA_WARDEN_DATABASE_URL")
        self.version_table = "alembic_version"
        self.version_table_schema = None

    def configure(self, args):
        for key in ("project_dir", "config_file", "ini_section", "url_env", "url", "version_table", "version_table_schema"):
            if key in args:
                setattr(self, key, args[key])
        if self.project_dir:
            os.chdir(self.project_dir)
        return {"projectDir": os.getcwd(), "configFile": self.config_file}

    def effective_url(self, args):
        url = args.get("url") or self.url
        return pick_driver_url(url) if url else None

    def config(self, args, output_buffer=None):
        """A fresh Config per request: env.py may mutate it, and reading the ini is cheap."""
        from alembic.config import Config

        path = os.path.join(self.project_dir, self.config_file)
        if not os.path.isfile(path):
            raise HelperError("ConfigNotFound", "No Alembic config file at %s" % path, path=path)
        kwargs = {"file_": path, "ini_section": self.ini_section, "stdout": sys.stderr}
        if output_buffer is not None:
            kwargs["output_buffer"] = output_buffer
        config = Config(**kwargs)
        try:
            script_location = config.get_main_option("script_location")
        except Exception as exc:  # configparser errors on a broken file
            raise HelperError("BrokenConfig", "Cannot read %s: %s" % (path, exc), path=path)
        if not script_location:
            raise HelperError(
                "BrokenConfig",
                "%s has no script_location in its [%s] section" % (path, self.ini_section),
                path=path,
            )
        url = self.effective_url(args)
        if url:
            # ConfigParser interpolates %: a password with % must be doubled.
            config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
            os.environ[self.url_env] = url
        return config

    def script(self, args):
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config(args))


def revision_info(script, rev, heads):
    down = rev.down_revision
    if down is None:
        downs = []
    elif isinstance(down, (tuple, list)):
        downs = list(down)
    else:
        downs = [down]
    deps = rev.dependencies
    if deps is None:
        deps = []
    elif not isinstance(deps, (tuple, list)):
        deps = [deps]
    return {
        "revision": rev.revision,
        "downRevisions": downs,
        "dependencies": list(deps),
        "branchLabels": sorted(rev.branch_labels or []),
        "path": os.path.abspath(rev.path) if rev.path else None,
        "doc": (rev.doc or "").strip(),
        "isHead": rev.revision in heads,
        "isBase": len(downs) == 0,
        "isMerge": len(downs) > 1,
        "isBranchPoint": len(rev.nextrev or ()) > 1,
    }


def cmd_hello(session, args):
    import alembic
    import sqlalchemy

    drivers = []
    for module in ("psycopg2", "psycopg"):
        try:
            __import__(module)
            drivers.append(module)
        except ImportError:
            pass
    return {
        "protocol": PROTOCOL_VERSION,
        "python": sys.executable,
        "pythonVersion": sys.version.split()[0],
        "alembic": alembic.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        "drivers": drivers,
        "cwd": os.getcwd(),
    }


def cmd_configure(session, args):
    return session.configure(args)


def cmd_heads(session, args):
    return list(session.script(args).get_heads())


def cmd_history(session, args):
    script = session.script(args)
    heads = set(script.get_heads())
    revisions = [revision_info(script, rev, heads) for rev in script.walk_revisions()]
    revisions.reverse()  # walk_revisions goes from heads to base; callers want base first
    return {"heads": sorted(heads), "revisions": revisions}


def cmd_current(session, args):
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool
    from alembic.runtime.migration import MigrationContext

    url = session.effective_url(args)
    if not url:
        raise HelperError("NoDatabaseUrl", "No database URL was given to the helper")
    opts = {"version_table": args.get("version_table", session.version_table)}
    schema = args.get("version_table_schema", session.version_table_schema)
    if schema:
        opts["version_table_schema"] = schema
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=opts)
            return sorted(context.get_current_heads())
    finally:
        engine.dispose()


def cmd_upgrade(session, args):
    from alembic import command

    command.upgrade(session.config(args), args.get("revision", "heads"))
    return {"revision": args.get("revision", "heads")}


def cmd_downgrade(session, args):
    from alembic import command

    command.downgrade(session.config(args), args["revision"])
    return {"revision": args["revision"]}


def cmd_sql(session, args):
    """Offline (--sql) output for a range such as "base:head" or "abc:def"."""
    from alembic import command

    buffer = io.StringIO()
    config = session.config(args, output_buffer=buffer)
    direction = args.get("direction", "upgrade")
    revision = args.get("revision", "head")
    if direction == "downgrade":
        command.downgrade(config, revision, sql=True)
    else:
        command.upgrade(config, revision, sql=True)
    return {"sql": buffer.getvalue()}


COMMANDS = {
    "hello": cmd_hello,
    "configure": cmd_configure,
    "heads": cmd_heads,
    "history": cmd_history,
    "current": cmd_current,
    "upgrade": cmd_upgrade,
    "downgrade": cmd_downgrade,
    "sql": cmd_sql,
}


def handle(session, request):
    request_id = request.get("id")
    started = time.time()
    try:
        cmd = request.get("cmd")
        if cmd not in COMMANDS:
            raise HelperError("UnknownCommand", "Unknown command %r" % (cmd,))
        result = COMMANDS[cmd](session, request.get("args") or {})
        response = {"id": request_id, "ok": True, "result": result}
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # SystemExit from env.py too: report it, keep serving
        response = {"id": request_id, "ok": False, "error": describe_error(exc)}
    response["elapsedMs"] = round((time.time() - started) * 1000, 1)
    return response


def main():
    session = Session()
    try:
        import_alembic()
        ready = {"id": 0, "ok": True, "result": cmd_hello(session, {})}
    except HelperError as exc:
        send({"id": 0, "ok": False, "error": describe_error(exc)})
        return 3
    send(ready)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            request = json.loads(line)
        except ValueError as exc:
            send({"id": None, "ok": False, "error": {"type": "BadRequest", "message": str(exc)}})
            continue
        if request.get("cmd") == "exit":
            send({"id": request.get("id"), "ok": True, "result": None})
            break
        send(handle(session, request))
    return 0


if __name__ == "__main__":
    sys.exit(main())
