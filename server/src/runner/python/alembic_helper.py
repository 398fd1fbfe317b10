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

Any env.py runs unchanged, on the requested database only: while a command runs, every SQLAlchemy
engine the project creates (create_engine, engine_from_config, async engines) is pointed at the
command's database whatever URL env.py computed, and a PostgreSQL driver connection to any other
database is refused (see Redirection below). DATABASE_URL and sqlalchemy.url
are still set, as a convenience. Each command behaves as one `alembic` process would: whatever
connections and engines it opened are closed when it ends.
"""
import io
import json
import os
import sys
import time
import traceback

PROTOCOL_VERSION = 1

# Per-phase timing of each command (SCHEMA_WARDEN_PHASES=1, for the round-trip budget): None when
# off, else {phase: seconds} of the command being handled, sent back as "phasesMs".
PHASES = None
PHASES_ON = os.environ.get("SCHEMA_WARDEN_PHASES") == "1"


OPEN_PHASES = []


class phase(object):
    """Adds the time spent inside the block to PHASES[name] (nothing when phase timing is off).
    Phases split "env" only: one opened inside any other phase is that phase's time (the lock
    tracer's own connection is tracing, not connecting), so it is not counted again."""

    __slots__ = ("name", "began")

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        OPEN_PHASES.append(self.name)
        self.began = time.perf_counter()

    def __exit__(self, *exc):
        OPEN_PHASES.pop()
        if PHASES is not None and all(outer == "env" for outer in OPEN_PHASES):
            PHASES[self.name] = PHASES.get(self.name, 0.0) + time.perf_counter() - self.began
        return False


def time_dialect_setup(dialect):
    """Times what SQLAlchemy does on a new engine's first connection (dialect.initialize: server
    version, schema, isolation level, a few queries). Phase timing only."""
    original = dialect.initialize

    def timed(connection):
        with phase("dialectSetup"):
            return original(connection)

    dialect.initialize = timed


def install_sql_timing():
    """Times every statement SQLAlchemy sends (the migration's SQL and Alembic's bookkeeping)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    started = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        began = started.pop(id(cursor), None)
        if began is not None and PHASES is not None:
            PHASES["sql"] = PHASES.get("sql", 0.0) + time.perf_counter() - began

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)


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
    frames = reversed(traceback.extract_tb(exc.__traceback__))
    if isinstance(exc, SyntaxError) and getattr(exc, "filename", None) and exc.lineno:
        # The file that does not parse is not on the stack: it is where the error is.
        error["file"], error["line"] = os.path.abspath(exc.filename), exc.lineno
        frames = ()
    for frame in frames:
        if frame.filename.startswith("<"):  # code compiled from a string, e.g. "<string>"
            continue
        filename = os.path.abspath(frame.filename)
        if filename.startswith(project_dir) and os.sep + "site-packages" + os.sep not in filename:
            error["file"] = filename
            error["line"] = frame.lineno
            break
    env_py = getattr(exc, "schema_warden_env_py", None)
    if env_py:
        error["origin"] = "env.py"
        error["envFile"], error["envLine"] = env_py
    origin = getattr(exc, "schema_warden_origin", None)
    if origin:
        error["origin"] = origin
    if isinstance(exc, ImportError) and type(exc).__name__ == "ModuleNotFoundError":
        error["missingModule"] = getattr(exc, "name", None) or str(exc)
        error["python"] = sys.executable
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


class Redirection(object):
    """Points the project's engines at the command's database and refuses any other connection.

    `target` is the database URL of the command being handled (None: no database was given, so no
    connection may be opened at all). Engines keep their own driver when it is a PostgreSQL one
    (an async env.py keeps asyncpg) and every option env.py gave (its pool class above all): only
    where they connect changes. Connections opened through the PostgreSQL drivers are checked
    against the target before they are opened, so a raw `psycopg2.connect(...)` or an engine's
    `creator` cannot reach another database either.
    """

    def __init__(self):
        self.target = None
        self.asked = []  # redacted URLs env.py asked for that were not the target, in order
        self.engines = []  # weak references to every engine created while commands ran
        self.opened = []  # driver connections opened during the current command

    def note_asked(self, url):
        shown = redact(url)
        if shown not in self.asked:
            self.asked.append(shown)

    def end_command(self):
        """What the end of an `alembic` process does: every connection it opened is closed (or,
        while verify keeps connections, handed back to KEPT, reset, for the next command)."""
        from sqlalchemy.pool import NullPool

        alive = []
        for ref in self.engines:
            engine = ref()
            if engine is None:
                continue
            try:
                # The engine stays usable (a Flask app's engine is reused). A NullPool holds nothing.
                if not isinstance(engine.pool, NullPool):
                    engine.dispose()
            except Exception:
                pass
            alive.append(ref)
        self.engines = alive
        KEPT.end_command()  # connections env.py left checked out are closed here
        opened, self.opened = self.opened, []
        for connection in opened:
            if KEPT.is_idle(connection):
                continue
            close_quietly(connection)


REDIRECT = Redirection()


def close_quietly(connection):
    try:
        if is_closed(connection):
            return
        if hasattr(connection, "terminate"):  # asyncpg: close() is a coroutine
            connection.terminate()
        else:
            connection.close()
    except Exception:
        pass


class KeptConnections(object):
    """Driver connections kept open from one command to the next while verify runs its round trip
    (the session's keep_connections, set through `configure`).

    A round trip runs three commands a revision, and each `alembic` process would open a connection
    of its own and let SQLAlchemy set up a new engine's dialect on it (server version, schema,
    isolation level, hstore: a few queries): ~4 ms a command. Here every engine the project creates
    during a command (NullPool or not) still gets a connection through its dialect's connect(), and
    gives it back through its do_close(); a psycopg2 connection given back is kept, and the next
    engine asking with the same connect arguments gets it after `DISCARD ALL` (the session as a new
    connection has it: no transaction, settings, temporary tables, prepared statements, advisory
    locks or role left by the last command; a connection the server ended fails there and a new
    one is opened instead). A new engine's dialect is set up from what the first engine with the
    same URL and options read from the server, while connections are kept.

    Only what SQLAlchemy's pool closes is kept: a connection env.py leaves open at the end of a
    command is closed, as before. `release()` closes everything (verify calls it before it drops or
    recreates the database, and when it ends).
    """

    DRIVERS = ("psycopg2",)
    # Server parameters psycopg2 relies on (it sets DateStyle itself when the server's is not ISO):
    # a connection whose reset changes them is not reused.
    REPORTED = ("client_encoding", "DateStyle", "IntervalStyle", "integer_datetimes", "standard_conforming_strings")

    def __init__(self):
        self.active = False
        self.idle = {}  # connect key -> [driver connection]
        self.idle_ids = set()
        self.fresh = {}  # id(connection) -> True once reset after it was given back
        self.lent = {}  # id(connection) -> (key, connection, parameters at its first use)
        self.params = {}  # id(connection) -> the reported parameters when it was opened
        self.dialects = {}  # engine key -> {attribute: value} a set-up dialect had
        self.engines = {}  # engine key -> [(engine, its fingerprint when made)]
        self.handed_out = set()  # ids of the engines given out during the current command

    def attach(self, engine, engine_key):
        """Routes `engine`'s connections through the keeper (psycopg2 engines only)."""
        dialect = engine.dialect
        if getattr(dialect, "driver", None) not in self.DRIVERS:
            return
        keeper = self
        original_connect = dialect.connect
        original_close = dialect.do_close
        original_terminate = dialect.do_terminate
        baseline = dict(dialect.__dict__)

        def connect(*cargs, **cparams):
            if not keeper.active:
                return original_connect(*cargs, **cparams)
            key = connect_key(dialect, cargs, cparams)
            connection = keeper.take(key)
            if connection is None:
                connection = original_connect(*cargs, **cparams)
                keeper.params[id(connection)] = reported_parameters(connection)
            keeper.lent[id(connection)] = (key, connection)
            return connection

        def do_close(connection):
            lent = keeper.lent.pop(id(connection), None)
            if lent is not None and keeper.active and keeper.give_back(lent[0], connection):
                keeper.remember_dialect(engine_key, dialect, baseline)
                return
            keeper.params.pop(id(connection), None)
            original_close(connection)

        def do_terminate(connection):  # an invalidated connection: never kept
            keeper.lent.pop(id(connection), None)
            keeper.params.pop(id(connection), None)
            original_terminate(connection)

        dialect.connect = connect
        dialect.do_close = do_close
        dialect.do_terminate = do_terminate
        if self.active:
            made = self.engines.setdefault(engine_key, [])
            made.append((engine, engine_fingerprint(engine)))
            del made[:-4]  # a handful a key is plenty (env.py's, the tracer's)
            self.handed_out.add(id(engine))
        saved = self.dialects.get(engine_key) if self.active else None
        if saved is not None:
            import weakref

            dialect.__dict__.update(saved)
            dialect._type_memos = weakref.WeakKeyDictionary()  # per dialect, never shared
            dialect.initialize = lambda connection: None  # already set up, from the same server

    def engine_again(self, engine_key):
        """The engine an earlier command's env.py created with the same URL and options, when it
        is as it was made: no listener added, no attribute replaced, not disposed (else None, and
        a new one is made). SQLAlchemy caches compiled statements per engine and dialect, so
        Alembic's version-table statements are compiled once, not in every command."""
        if not self.active or engine_key is None:
            return None
        made = self.engines.get(engine_key) or []
        for entry in list(made):
            engine, fingerprint = entry
            if id(engine) in self.handed_out:
                continue  # a second engine with the same arguments in one command is its own
            if engine_fingerprint(engine) != fingerprint:
                made.remove(entry)
                continue
            self.handed_out.add(id(engine))
            return engine
        return None

    def remember_dialect(self, engine_key, dialect, baseline):
        if engine_key in self.dialects or getattr(dialect, "server_version_info", None) is None:
            return
        saved = {}
        for name, value in dialect.__dict__.items():
            if name in ("connect", "do_close", "do_terminate", "initialize", "_type_memos"):
                continue
            if name in baseline and baseline[name] is value:
                continue
            # Values the server decided (versions, flags, names) and memoised look-ups (hstore's
            # oids): nothing that holds a connection or another dialect's objects.
            if isinstance(value, (bool, int, float, str, tuple, frozenset, type(None))) or (
                callable(value) and getattr(value, "__qualname__", "").endswith(".memo")
            ):
                saved[name] = value
        self.dialects[engine_key] = saved

    def take(self, key):
        idle = self.idle.get(key)
        while idle:
            connection = idle.pop()
            self.idle_ids.discard(id(connection))
            fresh = self.fresh.pop(id(connection), False)
            if (fresh and not server_spoke(connection)) or (not fresh and self.reset(connection)):
                return connection
            self.params.pop(id(connection), None)
            close_quietly(connection)
        return None

    def reset(self, connection):
        """A kept connection as a new one would be, or False when it is not usable (the server ended
        it, the database was dropped, a setting psycopg2 relies on came back different)."""
        try:
            if connection.closed:
                return False
            connection.autocommit = True
            cursor = connection.cursor()
            try:
                cursor.execute("DISCARD ALL")
            finally:
                cursor.close()
            connection.autocommit = False
            return reported_parameters(connection) == self.params.get(id(connection))
        except Exception:
            return False

    def tidy(self):
        """Resets the connections given back during the last command. Called once its response is
        sent: the reset's round trip then overlaps what the extension does next (a snapshot), and
        the next command finds them ready. One the server ends meanwhile says so on its socket."""
        for key, connections in list(self.idle.items()):
            for connection in list(connections):
                if self.fresh.get(id(connection)):
                    continue
                if self.reset(connection):
                    self.fresh[id(connection)] = True
                    continue
                connections.remove(connection)
                self.idle_ids.discard(id(connection))
                self.params.pop(id(connection), None)
                close_quietly(connection)

    def give_back(self, key, connection):
        try:
            if connection.closed:
                return False
            connection.rollback()
            connection.autocommit = False
            connection.set_session(isolation_level="DEFAULT", readonly="DEFAULT", deferrable="DEFAULT")
        except Exception:
            return False
        self.idle.setdefault(key, []).append(connection)
        self.idle_ids.add(id(connection))
        self.fresh.pop(id(connection), None)
        return True

    def is_idle(self, connection):
        return id(connection) in self.idle_ids

    def end_command(self):
        """Connections still checked out when the command ends are closed, as an `alembic` process
        ending would; everything is closed when connections are no longer kept."""
        self.handed_out = set()
        lent, self.lent = self.lent, {}
        for _key, connection in lent.values():
            self.params.pop(id(connection), None)
            close_quietly(connection)
        if not self.active:
            self.release()

    def release(self):
        idle, self.idle, self.idle_ids, self.fresh = self.idle, {}, set(), {}
        for connections in idle.values():
            for connection in connections:
                self.params.pop(id(connection), None)
                close_quietly(connection)
        self.dialects = {}
        self.engines = {}


KEPT = KeptConnections()


# Set on an engine by SQLAlchemy itself as it is used (the listeners are counted instead).
LAZY_ENGINE_ATTRIBUTES = ("_compiled_cache", "dispatch", "_has_events")


def engine_fingerprint(engine):
    """What env.py could change on an engine it made: its listeners (its own, its pool's, its
    dialect's) and its attributes (execution options, pool, echo)."""

    def listeners(dispatch):
        names = getattr(dispatch, "_event_names", ())
        return tuple(len(getattr(getattr(dispatch, name), "listeners", ())) for name in names)

    attributes = tuple(sorted((name, id(value)) for name, value in engine.__dict__.items() if name not in LAZY_ENGINE_ATTRIBUTES))
    return (listeners(engine.dispatch), listeners(engine.pool.dispatch), listeners(engine.dialect.dispatch), attributes)


def connect_key(dialect, cargs, cparams):
    return (dialect.driver, repr(cargs), repr(sorted((str(k), repr(v)) for k, v in cparams.items())))


def server_spoke(connection):
    """Whether an idle connection's socket has something to read: the server ended the session (an
    administrator, DROP DATABASE ... WITH (FORCE), a restart) and said so, or closed it."""
    import select

    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
        return bool(readable)
    except Exception:
        return True


def reported_parameters(connection):
    get = getattr(connection, "get_parameter_status", None)
    if get is None:
        return None
    return tuple(get(name) for name in KeptConnections.REPORTED) + (getattr(connection, "encoding", None),)


def is_closed(connection):
    if callable(getattr(connection, "is_closed", None)):  # asyncpg
        return connection.is_closed()
    closed = getattr(connection, "closed", None)
    return bool(closed) if closed is not None else False


def redact(url):
    try:
        from sqlalchemy.engine.url import make_url

        parsed = make_url(url) if isinstance(url, str) else url
        render = getattr(parsed, "render_as_string", None)
        return render(hide_password=True) if render else repr(parsed)
    except Exception:
        return "<an unparsable URL>"


def redirected_url(url, target):
    """`target` with the driver of `url` when that is a PostgreSQL one (asyncpg stays asyncpg)."""
    from sqlalchemy.engine.url import make_url

    wanted = make_url(target)
    try:
        asked = make_url(url)
    except Exception:
        return wanted
    if asked.get_backend_name() in ("postgresql", "postgres") and "+" in asked.drivername:
        drivername = asked.drivername
        if hasattr(wanted, "set"):
            return wanted.set(drivername=drivername)
        wanted = make_url(str(wanted))
        wanted.drivername = drivername
    return wanted


def same_database(asked, target):
    """Whether a URL names the target's host, port and database (driver and user aside)."""
    from sqlalchemy.engine.url import make_url

    try:
        a, t = make_url(asked), make_url(target)
    except Exception:
        return False
    return (a.host, a.port or 5432, a.database) == (t.host, t.port or 5432, t.database)


def install_redirection():
    """Replaces create_engine where SQLAlchemy and the project look it up.

    Done before any project module is imported, so `from sqlalchemy import create_engine` in env.py
    gets it, engine_from_config calls it (module global), and sqlalchemy.ext.asyncio, imported later,
    binds it as its _create_engine.
    """
    import weakref

    import sqlalchemy
    import sqlalchemy.engine
    from sqlalchemy.engine import create as create_module

    original = create_module.create_engine

    def redirecting_create_engine(url, *args, **kwargs):
        target = REDIRECT.target
        if target is not None:
            if not same_database(url, target):
                REDIRECT.note_asked(url)
            url = redirected_url(url, target)
            for key in ("creator", "async_creator"):
                if key in kwargs:
                    kwargs[key] = checked_creator(kwargs[key], key == "async_creator")
        kept = target is not None and "creator" not in kwargs and "async_creator" not in kwargs
        key = engine_key(url, args, kwargs) if kept else None
        engine = KEPT.engine_again(key) if kept else None
        if engine is not None:
            return engine
        engine = original(url, *args, **kwargs)
        REDIRECT.engines.append(weakref.ref(engine))
        if kept:
            KEPT.attach(engine, key)
        if PHASES_ON:
            time_dialect_setup(engine.dialect)
        return engine

    redirecting_create_engine.__doc__ = original.__doc__
    create_module.create_engine = redirecting_create_engine
    sqlalchemy.create_engine = redirecting_create_engine
    sqlalchemy.engine.create_engine = redirecting_create_engine
    # Imported already (by a plugin, say): its own binding must be replaced too.
    asyncio_engine = sys.modules.get("sqlalchemy.ext.asyncio.engine")
    if asyncio_engine is not None and hasattr(asyncio_engine, "_create_engine"):
        asyncio_engine._create_engine = redirecting_create_engine
    install_driver_guards()


def engine_key(url, args, kwargs):
    """What makes two engines' dialects alike: the URL and every option (an option whose repr
    changes from one run of env.py to the next, a function defined there, makes them differ)."""
    try:
        shown = url.render_as_string(hide_password=False) if hasattr(url, "render_as_string") else str(url)
    except Exception:
        shown = repr(url)
    return (shown, repr(args), repr(sorted((str(k), repr(v)) for k, v in kwargs.items())))


def refuse_connection(where):
    target = REDIRECT.target
    if target is None:
        message = (
            "The project tried to connect to %s while Schema Warden ran a command without a database; "
            "nothing was connected." % where
        )
    else:
        message = (
            "The project connected to %s without going through SQLAlchemy's create_engine/engine_from_config, "
            "so Schema Warden could not point it at the scratch database (%s): refused, nothing was connected. "
            "Create the connection from an engine in env.py, or run with --env builtin." % (where, redact(target))
        )
    raise HelperError("RedirectionBypassed", message, origin="setup")


def check_driver_target(params, where):
    """params: host/port/dbname as the driver would use them. Raises unless they are the target's."""
    from sqlalchemy.engine.url import make_url

    target = REDIRECT.target
    shown = "%s:%s/%s" % (params.get("host") or "localhost", params.get("port") or 5432, params.get("dbname") or "?")
    if target is None:
        refuse_connection("%s (%s)" % (shown, where))
    t = make_url(target)
    wanted = (str(t.host or ""), str(t.port or 5432), str(t.database or ""))
    got = (str(params.get("host") or ""), str(params.get("port") or 5432), str(params.get("dbname") or ""))
    if got != wanted:
        refuse_connection("%s (%s)" % (shown, where))


def install_driver_guards():
    try:
        import psycopg2
        import psycopg2.extensions
    except ImportError:
        psycopg2 = None
    if psycopg2 is not None:
        original_psycopg2 = psycopg2.connect

        def guarded_psycopg2(dsn=None, connection_factory=None, cursor_factory=None, **kwargs):
            params = dict(psycopg2.extensions.parse_dsn(dsn)) if dsn else {}
            params.update((k, v) for k, v in kwargs.items() if v is not None)
            if "database" in params and "dbname" not in params:
                params["dbname"] = params["database"]
            check_driver_target(params, "psycopg2.connect")
            with phase("connect"):
                connection = original_psycopg2(dsn, connection_factory=connection_factory, cursor_factory=cursor_factory, **kwargs)
            REDIRECT.opened.append(connection)
            return connection

        psycopg2.connect = guarded_psycopg2
    try:
        import psycopg
        from psycopg import conninfo as psycopg_conninfo
    except Exception:  # not installed, or no libpq
        psycopg = None
    if psycopg is not None:
        original_psycopg = psycopg.connect

        def guarded_psycopg(conninfo="", *args, **kwargs):
            params = psycopg_conninfo.conninfo_to_dict(psycopg_conninfo.make_conninfo(conninfo, **dict((k, v) for k, v in kwargs.items() if k in ("host", "port", "dbname", "user", "password") and v is not None)))
            check_driver_target(params, "psycopg.connect")
            with phase("connect"):
                connection = original_psycopg(conninfo, *args, **kwargs)
            REDIRECT.opened.append(connection)
            return connection

        psycopg.connect = guarded_psycopg
    try:
        import asyncpg
    except Exception:
        asyncpg = None
    if asyncpg is not None:
        original_asyncpg = asyncpg.connect

        async def guarded_asyncpg(dsn=None, *args, **kwargs):
            params = {}
            if dsn:
                from sqlalchemy.engine.url import make_url

                parsed = make_url(dsn.replace("postgres://", "postgresql://", 1))
                params = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database}
            for key, name in (("host", "host"), ("port", "port"), ("database", "dbname")):
                if kwargs.get(key) is not None:
                    params[name] = kwargs[key]
            check_driver_target(params, "asyncpg.connect")
            connection = await original_asyncpg(dsn, *args, **kwargs)
            REDIRECT.opened.append(connection)
            return connection

        asyncpg.connect = guarded_asyncpg


def checked_creator(creator, is_async):
    """An engine's own connect function: the connection it returns must be the target's."""

    def check(connection):
        info = getattr(connection, "info", None)
        params = {
            "host": getattr(info, "host", None),
            "port": getattr(info, "port", None),
            "dbname": getattr(info, "dbname", None),
        }
        if params["dbname"] is None:
            try:
                connection.close()
            except Exception:
                pass
            refuse_connection("a database chosen by the engine's creator function")
        check_driver_target(params, "the engine's creator function")
        return connection

    if is_async:

        async def async_checked(*args, **kwargs):
            return check(await creator(*args, **kwargs))

        return async_checked

    def checked(*args, **kwargs):
        return check(creator(*args, **kwargs))

    return checked


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
        # "project": the project's own env.py; "builtin": Schema Warden's (see builtin_env).
        self.env_mode = os.environ.get("SCHEMA_WARDEN_ENV", "project")
        # The Flask application, in FLASK_APP's syntax ("app:create_app()"); else as `flask` finds it.
        self.flask_app = os.environ.get("SCHEMA_WARDEN_FLASK_APP") or None
        self._script_cache = None
        # Keep the commands' driver connections open between commands (verify's round trip; see
        # KeptConnections). Off by default: a command then behaves as one `alembic` process.
        self.keep_connections = False
        self._flask = None  # (target URL, app, description) of the loaded application

    def configure(self, args):
        if "url" in args and args["url"] != self.url:
            KEPT.release()  # connections to the database commands no longer use
        if "keepConnections" in args:
            self.keep_connections = bool(args["keepConnections"])
        for key in ("project_dir", "config_file", "ini_section", "url_env", "url", "version_table", "version_table_schema", "env_mode", "flask_app"):
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
            # Flask-Migrate's layout: migrations/alembic.ini beside env.py, and no script_location
            # (Flask-Migrate sets it to the ini's folder itself).
            folder = os.path.dirname(path)
            if not os.path.isfile(os.path.join(folder, "env.py")):
                raise HelperError(
                    "BrokenConfig",
                    "%s has no script_location in its [%s] section" % (path, self.ini_section),
                    path=path,
                )
            config.set_main_option("script_location", folder)
        url = self.effective_url(args)
        if url:
            # ConfigParser interpolates %: a password with % must be doubled.
            config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
            os.environ[self.url_env] = url
        return config

    def environment(self):
        """Which environment ran and what the redirection did, for the output."""
        return {
            "mode": self.env_mode,
            "envFile": self._last_env_file,
            "flaskApp": self._flask[2] if self._flask else None,
            "redirectedFrom": list(REDIRECT.asked),
            "versionTable": self._env_version_table,
        }

    _last_env_file = None
    # The version table env.py configured (`context.configure(version_table=...)`, e.g. one per
    # history of an alembic.ini with named sections), "schema.table" with a schema; None until known.
    _env_version_table = None

    def version_table_opts(self, args):
        """Where the revisions applied are recorded: the request's table, else the one env.py
        configured (`context.configure(version_table=..., version_table_schema=...)`) once a command
        ran it, else the session's (alembic_version)."""
        table, schema = self.version_table, self.version_table_schema
        if self._env_version_table and "version_table" not in args:
            schema, _, table = self._env_version_table.rpartition(".")
            schema = schema or None
        opts = {"version_table": args.get("version_table", table)}
        schema = args.get("version_table_schema", schema)
        if schema:
            opts["version_table_schema"] = schema
        return opts

    def note_version_table(self, env):
        context = getattr(env, "_migration_context", None)
        table = getattr(context, "version_table", None)
        if not table:
            return
        schema = getattr(context, "version_table_schema", None)
        self._env_version_table = "%s.%s" % (schema, table) if schema else table

    def flask_context(self, env_py):
        """The application context an env.py using flask.current_app needs, else None."""
        try:
            with io.open(env_py, encoding="utf-8", errors="replace") as handle:
                if "current_app" not in handle.read():
                    return None
        except OSError:
            return None
        cached = self._flask
        if cached is None or cached[0] != REDIRECT.target:
            self._flask = None
            app, description = load_flask_app(self.flask_app)
            self._flask = (REDIRECT.target, app, description)
        return self._flask[1].app_context()

    def script(self, args, config=None):
        """The ScriptDirectory, kept between requests while no revision file changes.

        Loading it imports every revision file: ~1 ms a revision, paid by every alembic command.
        A round trip runs three commands a revision, so it is read once and reused.
        """
        from alembic.script import ScriptDirectory

        config = config or self.config(args)
        script = ScriptDirectory.from_config(config)
        signature = (config.config_file_name, script.dir, versions_signature(script))
        cached = self._script_cache
        if cached is not None and cached[0] == signature:
            return cached[1]
        self._script_cache = (signature, script)
        return script


def versions_signature(script):
    """Names, sizes and modification times of the revision files: changes when one is edited."""
    entries = []
    locations = getattr(script, "_version_locations", None) or [script.versions]
    for location in locations:
        try:
            for entry in os.scandir(location):
                if entry.name.endswith(".py"):
                    stat = entry.stat()
                    entries.append((location, entry.name, stat.st_size, stat.st_mtime_ns))
        except OSError:
            continue
    return tuple(sorted(entries))


def load_flask_app(spec):
    """The application as the `flask` command finds it: the spec given (--flask-app, FLASK_APP's
    syntax), else FLASK_APP, else wsgi.py or app.py in the working directory (the project root).
    Loaded inside the command's redirection, so Flask-SQLAlchemy's engines point at its database."""
    try:
        from flask.cli import NoAppException, ScriptInfo
    except ImportError as exc:
        raise HelperError(
            "FlaskNotInstalled",
            "env.py uses flask.current_app, but Flask does not import in %s (%s)" % (sys.executable, exc),
            origin="setup",
            missingModule=getattr(exc, "name", None) or "flask",
            python=sys.executable,
        )
    spec = spec or os.environ.get("FLASK_APP") or None
    if spec:
        description = "%s (%s)" % (spec, "FLASK_APP" if spec == os.environ.get("FLASK_APP") else "--flask-app")
    else:
        found = [name for name in ("wsgi.py", "app.py") if os.path.isfile(name)]
        description = "%s in %s" % (found[0] if found else "wsgi.py/app.py", os.getcwd())
    try:
        app = ScriptInfo(app_import_path=spec).load_app()
    except NoAppException as exc:
        raise HelperError(
            "FlaskAppNotFound",
            "env.py uses flask.current_app, so it needs the Flask application, which was not found: %s "
            "Name it with --flask-app (the editor: schemaWarden.runner.flaskApp) in FLASK_APP's syntax, "
            "e.g. myapp:create_app()." % (str(exc).strip(),),
            origin="setup",
        )
    except BaseException as exc:
        try:
            exc.schema_warden_origin = "app"
        except Exception:
            pass
        raise
    return app, description


def builtin_env(session):
    """Schema Warden's own env.py: the project's revisions on the command's database, with
    Alembic's default transaction handling (one transaction around the run on PostgreSQL) and no
    import of the project's application."""
    from alembic import context
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    opts = {"version_table": session.version_table}
    if session.version_table_schema:
        opts["version_table_schema"] = session.version_table_schema
    if context.is_offline_mode():
        if REDIRECT.target:
            opts["url"] = REDIRECT.target
        else:
            opts["dialect_name"] = "postgresql"
        context.configure(literal_binds=True, dialect_opts={"paramstyle": "named"}, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return
    if not REDIRECT.target:
        raise HelperError("NoDatabaseUrl", "No database URL was given to the helper")
    engine = create_engine(REDIRECT.target, poolclass=NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, **opts)
        with context.begin_transaction():
            context.run_migrations()


def install_environment_hook(session):
    """Every way Alembic runs env.py (our walkers, alembic.command) goes through ScriptDirectory.run_env:
    here the built-in environment replaces it, a missing env.py becomes a setup problem naming the
    path, and a Flask-Migrate env.py runs inside the application's context."""
    from alembic.script import ScriptDirectory

    original = ScriptDirectory.run_env

    def run_env(script):
        if session.env_mode == "builtin":
            session._last_env_file = None
            return builtin_env(session)
        env_py = os.path.abspath(os.path.join(script.dir, "env.py"))
        session._last_env_file = env_py
        if not os.path.isfile(env_py):
            raise HelperError(
                "EnvNotFound",
                "No env.py at %s: Alembic runs the revisions through the env.py of the script location." % env_py,
                path=env_py,
                origin="setup",
            )
        app_context = session.flask_context(env_py)
        if app_context is None:
            return original(script)
        with app_context:
            return original(script)

    ScriptDirectory.run_env = run_env


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


# --- Lock tracing (verify) ---------------------------------------------------------------------
#
# While a traced upgrade runs, after every statement on the migration's connection the helper reads
# the relation locks its own backend holds (one query on the same DBAPI connection, so inside the
# same transaction, and invisible to SQLAlchemy's events) and notes when each (relation, mode) was
# first seen and which statement and revision line took it. A lock lives until its transaction
# ends: the connection's commit or rollback, or, in autocommit mode (autocommit_block), the end of
# the statement itself. Locks taken and released by one autocommit statement (CREATE INDEX
# CONCURRENTLY) cannot be read afterwards: an observer connection reads them while the statement
# runs, and holds an open snapshot meanwhile, which a concurrent index build waits for, so the build
# is seen before it finishes. Relations whose relfilenode differs before and after the upgrade
# were rewritten; relations that did not exist before were created by the upgrade ("new").

RELATION_FILTER = (
    "c.relkind IN ('r', 'p', 'i', 'I') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'"
)

HELD_LOCKS_SQL = (
    "SELECT c.oid, c.relkind, n.nspname, c.relname, t.relname, l.mode "
    "FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid "
    "WHERE l.locktype = 'relation' AND l.granted AND l.pid = %s AND " + RELATION_FILTER
)

RELATIONS_SQL = (
    "SELECT c.oid, c.relkind, n.nspname, c.relname, c.relfilenode FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + RELATION_FILTER
)

def qualified(schema, name):
    return name if schema in (None, "public") else "%s.%s" % (schema, name)


class RelationReader(object):
    """Reads {oid: (relkind, qualified name, relfilenode)} of the user's tables and indexes on a
    connection of its own (outside the migration's transaction), opened once for before and after."""

    def __init__(self, url):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.engine = create_engine(url, poolclass=NullPool)
        # The driver's own connection, without the pool's first-connect dialect setup (a few
        # queries on every traced upgrade): only pg_class is read on it.
        cargs, cparams = self.engine.dialect.create_connect_args(self.engine.url)
        self.raw = self.engine.dialect.connect(*cargs, **cparams)
        self.raw.autocommit = True  # each read sees what is committed by then

    def read(self):
        cursor = self.raw.cursor()
        try:
            cursor.execute(RELATIONS_SQL.replace("%%", "%"))
            return dict((row[0], (row[1], qualified(row[2], row[3]), row[4])) for row in cursor.fetchall())
        finally:
            cursor.close()

    def close(self):
        try:
            # Through the dialect: while verify keeps connections, this one is kept for the next
            # traced upgrade (see KeptConnections); else it is closed.
            self.engine.dialect.do_close(self.raw)  # a NullPool engine: nothing to dispose
        except Exception:
            pass


class LockObserver(object):
    """A second connection that reads the migration backend's locks while an autocommit statement
    runs (its locks are gone when it returns). It keeps a snapshot open while it looks, so a
    concurrent index build (which waits for older snapshots) cannot finish unseen; it lets go once
    it has seen a lock, or after `patience` seconds."""

    def __init__(self, url, patience=2.0):
        self.url = url
        self.patience = patience
        self.raw = None
        self.engine = None
        self.thread = None
        self.stop = None
        self.seen = []

    def _connect(self):
        if self.raw is None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            self.engine = create_engine(self.url, poolclass=NullPool)
            self.raw = self.engine.raw_connection()
            driver = getattr(self.raw, "dbapi_connection", None) or self.raw.connection
            driver.autocommit = True  # it says BEGIN and COMMIT itself
        return self.raw

    def start(self, pid):
        import threading

        raw = self._connect()
        self.seen = []
        self.stop = threading.Event()
        cursor = raw.cursor()
        # A snapshot older than the statement: CREATE INDEX CONCURRENTLY waits for it.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT 1")
        cursor.fetchall()

        def watch():
            deadline = time.time() + self.patience
            released = False
            try:
                while not self.stop.is_set():
                    cursor.execute(HELD_LOCKS_SQL.replace("%s", str(int(pid))).replace("%%", "%"))
                    rows = cursor.fetchall()
                    if rows:
                        self.seen.extend(rows)
                    if not released and (rows or time.time() > deadline):
                        cursor.execute("COMMIT")
                        released = True
                    self.stop.wait(0.002)
                if not released:
                    cursor.execute("COMMIT")
            except Exception:
                try:
                    cursor.execute("ROLLBACK")
                except Exception:
                    pass

        self.thread = threading.Thread(target=watch, name="schema-warden-lock-observer")
        self.thread.daemon = True
        self.thread.start()

    def finish(self):
        if self.thread is None:
            return []
        self.stop.set()
        self.thread.join(5)
        self.thread = None
        return self.seen

    def close(self):
        try:
            if self.raw is not None:
                self.raw.close()
            if self.engine is not None:
                self.engine.dispose()
        except Exception:
            pass


class LockTracer(object):
    """Listens to every SQLAlchemy engine while one upgrade runs (see the section comment)."""

    def __init__(self, url, revision_dirs, version_table):
        self.url = url
        self.revision_dirs = revision_dirs
        self.version_table = version_table
        self.relations = RelationReader(url)
        self.before = self.relations.read()
        self.locks = {}  # (oid, mode) -> entry, in the order first seen
        self.open = {}  # id(DBAPI connection) -> entries whose transaction has not ended yet
        self.pids = {}  # id(DBAPI connection) -> backend pid
        self.started = {}  # id(DBAPI connection) -> (perf_counter at statement start, observing)
        self.observer = LockObserver(url)
        self.failure = None

    def install(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self.before_execute)
        event.listen(Engine, "after_cursor_execute", self.after_execute)
        event.listen(Engine, "commit", self.transaction_ended)
        event.listen(Engine, "rollback", self.transaction_ended)
        event.listen(Engine, "handle_error", self.statement_failed)

    def remove(self):
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        for name, fn in (
            ("before_cursor_execute", self.before_execute),
            ("after_cursor_execute", self.after_execute),
            ("commit", self.transaction_ended),
            ("rollback", self.transaction_ended),
            ("handle_error", self.statement_failed),
        ):
            try:
                event.remove(Engine, name, fn)
            except Exception:
                pass
        self.observer.finish()
        self.observer.close()

    @staticmethod
    def dbapi_of(cursor):
        return getattr(cursor, "connection", None)

    def pid_of(self, dbapi):
        key = id(dbapi)
        if key not in self.pids and callable(getattr(dbapi, "get_backend_pid", None)):
            self.pids[key] = dbapi.get_backend_pid()  # psycopg2 knows it: no round trip
        if key not in self.pids:
            raw = dbapi.cursor()
            raw.execute("SELECT pg_backend_pid()")
            self.pids[key] = raw.fetchone()[0]
            raw.close()
        return self.pids[key]

    def before_execute(self, conn, cursor, statement, parameters, context, executemany):
        if self.failure:
            return
        with phase("traceStatements"):
            self._before_execute(cursor)

    def _before_execute(self, cursor):
        try:
            dbapi = self.dbapi_of(cursor)
            observing = bool(getattr(dbapi, "autocommit", False))
            if observing:
                self.observer.start(self.pid_of(dbapi))
            self.started[id(dbapi)] = (time.perf_counter(), observing)
        except Exception as exc:
            self.failure = "%s: %s" % (type(exc).__name__, exc)

    def after_execute(self, conn, cursor, statement, parameters, context, executemany):
        if self.failure:
            return
        with phase("traceStatements"):
            self._after_execute(cursor, statement)

    def _after_execute(self, cursor, statement):
        try:
            dbapi = self.dbapi_of(cursor)
            began, observing = self.started.pop(id(dbapi), (time.perf_counter(), False))
            if not observing and alembic_bookkeeping(statement, self.version_table):
                return  # it can only lock catalog relations and the version table: left out of the trace
            if observing:
                rows = self.observer.finish()
            else:
                raw = dbapi.cursor()
                raw.execute(HELD_LOCKS_SQL, (self.pid_of(dbapi),))
                rows = raw.fetchall()
                raw.close()
            ended = time.perf_counter()
            line = self.revision_line()
            for oid, relkind, schema, name, table, mode in rows:
                key = (oid, mode)
                if key in self.locks:
                    continue
                entry = {
                    "oid": oid,
                    "relkind": relkind,
                    "relation": qualified(schema, name),
                    "table": qualified(schema, table) if table else qualified(schema, name),
                    "mode": mode,
                    "statement": one_line(statement),
                    "line": line,
                    "began": began,
                    "ended": ended if observing else None,
                }
                self.locks[key] = entry
                if not observing:
                    self.open.setdefault(id(dbapi), []).append(entry)
        except Exception as exc:
            self.failure = "%s: %s" % (type(exc).__name__, exc)

    def statement_failed(self, context):
        self.observer.finish()
        self.started.clear()

    def transaction_ended(self, conn):
        """The commit or rollback of `conn` (a SQLAlchemy Connection) ends its own locks only."""
        now = time.perf_counter()
        dbapi = None
        try:
            fairy = conn.connection
            dbapi = getattr(fairy, "dbapi_connection", None) or getattr(fairy, "connection", None)
        except Exception:
            pass
        keys = [id(dbapi)] if dbapi is not None and id(dbapi) in self.open else list(self.open) if dbapi is None else []
        for key in keys:
            for entry in self.open.pop(key):
                entry["ended"] = now

    def revision_line(self):
        """The line of the innermost revision file on the stack (the op.* call that issued it)."""
        frame = sys._getframe(2)
        while frame is not None:
            filename = os.path.abspath(frame.f_code.co_filename)
            if any(filename.startswith(d) for d in self.revision_dirs):
                return frame.f_lineno
            frame = frame.f_back
        return None

    def result(self):
        """{"locks", "rewrites", "created"} as the extension reports them."""
        try:
            after = self.relations.read()
        finally:
            self.relations.close()
        now = time.perf_counter()
        version = self.version_table
        locks = []
        for entry in self.locks.values():
            if entry["relation"] == version or entry["table"] == version:
                continue  # Alembic's bookkeeping, not the migration's
            ended = entry["ended"] if entry["ended"] is not None else now
            lock = {
                "table": entry["table"],
                "mode": entry["mode"],
                "statement": entry["statement"],
                "line": entry["line"],
                "heldMs": round((ended - entry["began"]) * 1000, 1),
            }
            if entry["relkind"] in ("i", "I"):
                lock["index"] = entry["relation"]
            if entry["oid"] not in self.before:
                lock["new"] = True
            locks.append(lock)
        rewrites = []
        for oid, (relkind, name, filenode) in sorted(self.before.items(), key=lambda item: item[1][1]):
            if relkind != "r" or name == version or oid not in after:
                continue
            if after[oid][2] != filenode:
                rewrites.append(name)
        created = sorted(
            name for oid, (relkind, name, _) in after.items() if oid not in self.before and relkind in ("r", "p") and name != version
        )
        traced = {"locks": locks, "rewrites": rewrites, "created": created}
        if self.failure:
            traced["traceError"] = self.failure
        return traced


CATALOG_SOURCE = None
VERSION_STATEMENT = None


def alembic_bookkeeping(statement, version_table):
    """Whether `statement` is Alembic's own bookkeeping, issued by its runtime rather than by a
    revision or env.py: its look at the catalogs (has_table on the version table before each run: a
    SELECT whose every FROM/JOIN is a pg_catalog relation), or its reads and writes of the version
    table. Reading pg_locks after it would find nothing the trace reports: catalog relations and
    the version table are left out of it."""
    import re

    global CATALOG_SOURCE, VERSION_STATEMENT
    if CATALOG_SOURCE is None:
        CATALOG_SOURCE = re.compile(r"\b(?:FROM|JOIN)\s+([^\s()]+)", re.IGNORECASE)
        VERSION_STATEMENT = re.compile(
            r"^(?:SELECT\s+[\w.\"]+\s+FROM|UPDATE|INSERT\s+INTO|DELETE\s+FROM|CREATE\s+TABLE)\s+([\w.\"]+)(?=\s|\(|$)",
            re.IGNORECASE,
        )
    text = str(statement).lstrip()
    if ";" in text:
        return False
    found = VERSION_STATEMENT.match(text)
    if not (found and found.group(1).replace('"', "") == version_table) and not catalog_only_select(text):
        return False
    runtime = os.sep + os.path.join("alembic", "runtime") + os.sep
    # Alembic's runtime writes the version table through its DDL implementation's _exec, as op.*
    # calls do: those come from alembic/operations, which is not passed over.
    passing = (
        os.sep + "sqlalchemy" + os.sep,
        os.sep + os.path.join("alembic", "util") + os.sep,
        os.sep + os.path.join("alembic", "ddl") + os.sep,
    )
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if any(part in filename for part in passing) or filename == __file__ or filename.startswith("<"):
            frame = frame.f_back
            continue
        return runtime in filename
    return False


def catalog_only_select(text):
    if not text[:6].upper() == "SELECT" or "," in text.split("FROM", 1)[-1].split("WHERE", 1)[0]:
        return False
    sources = CATALOG_SOURCE.findall(text)
    return bool(sources) and all(source.startswith("pg_catalog.") for source in sources)


def one_line(statement):
    flat = " ".join(str(statement).split())
    return flat if len(flat) <= 500 else flat[:497] + "..."


def revision_dirs_of(script):
    locations = getattr(script, "_version_locations", None) or [script.versions]
    return [os.path.abspath(location) + os.sep for location in locations]


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
    if "version_table" not in args and session.env_mode == "project" and not session._env_version_table:
        # Which table env.py records revisions in (context.configure(version_table=...)) is known
        # only once env.py ran: run it as `alembic current` does, reading instead of migrating.
        return current_through_env(session, args)
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=session.version_table_opts(args))
        return sorted(context.get_current_heads())


def current_through_env(session, args):
    from alembic.runtime.environment import EnvironmentContext

    with phase("script"):
        config = session.config(args)
        script = session.script(args, config)
    heads = []

    def read(rev, context):
        heads.extend(context.get_current_heads())
        return []

    def run():
        with phase("env"), EnvironmentContext(config, script, fn=read, dont_mutate=True) as env:
            script.run_env()
            session.note_version_table(env)

    run_env_marked(script, run)
    return sorted(heads)


def env_py_frame(exc, script):
    """(file, line) of env.py's innermost frame when the exception is env.py's own doing: raised
    while env.py ran (its imports, its configuration, run_migrations_online) with no revision file
    on the stack, and not by the database (SQLAlchemy's DBAPIError carries the driver's error as
    .orig: a server that went away is not env.py's fault). Else None."""
    if getattr(exc, "orig", None) is not None:
        return None
    env_py = os.path.abspath(os.path.join(script.dir, "env.py"))
    locations = getattr(script, "_version_locations", None) or [script.versions]
    revision_dirs = [os.path.abspath(location) + os.sep for location in locations]
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        filename = os.path.abspath(frame.filename)
        if any(filename.startswith(d) for d in revision_dirs):
            return None
        if filename == env_py:
            found = (filename, frame.lineno)
    return found


def run_env_marked(script, run):
    """Runs env.py through `run`; an exception of env.py's own is marked so that the extension
    says the project's env.py failed, rather than a migration or Schema Warden."""
    try:
        run()
    except BaseException as exc:
        frame = env_py_frame(exc, script)
        if frame:
            try:
                exc.schema_warden_env_py = frame
            except Exception:  # an exception type that takes no attributes: reported unmarked
                pass
        raise


def run_online(session, args, direction, revision, prepare=None):
    """What alembic.command.upgrade/downgrade do (the same calls since Alembic 1.0), with the cached
    ScriptDirectory; falls back to alembic.command where the private walkers are missing.
    `prepare(script)`, when given, runs once the ScriptDirectory is read, before env.py."""
    from alembic import command
    from alembic.runtime.environment import EnvironmentContext

    with phase("script"):
        config = session.config(args)
        script = session.script(args, config)
    if prepare is not None:
        prepare(script)
    walker = getattr(script, "_%s_revs" % direction, None)
    if walker is None:
        run_env_marked(script, lambda: getattr(command, direction)(config, revision))
        return

    def steps(rev, context):
        return walker(revision, rev)

    def run():
        with phase("env"), EnvironmentContext(config, script, fn=steps, as_sql=False, starting_rev=None, destination_rev=revision, tag=None) as env:
            script.run_env()
            session.note_version_table(env)

    run_env_marked(script, run)


def cmd_upgrade(session, args):
    revision = args.get("revision", "heads")
    if not args.get("traceLocks") or not REDIRECT.target:
        run_online(session, args, "upgrade", revision)
        return {"revision": revision, "environment": session.environment()}
    version_table = args.get("version_table", session._env_version_table or session.version_table)
    tracers = []

    def start_tracing(script):
        with phase("traceSetup"):
            tracer = LockTracer(REDIRECT.target, revision_dirs_of(script), version_table)
            tracers.append(tracer)
            tracer.install()

    try:
        run_online(session, args, "upgrade", revision, prepare=start_tracing)
    except BaseException:
        for tracer in tracers:
            tracer.relations.close()  # no result is read: the upgrade failed
        raise
    finally:
        for tracer in tracers:
            tracer.remove()
    tracer = tracers[0]
    with phase("traceSetup"):
        trace = tracer.result()
    return {"revision": revision, "environment": session.environment(), "trace": trace}


def cmd_downgrade(session, args):
    revision = args["revision"]
    run_online(session, args, "downgrade", revision)
    return {"revision": revision, "environment": session.environment()}


def cmd_sql(session, args):
    """Offline (--sql) output for a range such as "base:head" or "abc:def"."""
    from alembic import command

    buffer = io.StringIO()
    config = session.config(args, output_buffer=buffer)
    direction = args.get("direction", "upgrade")
    revision = args.get("revision", "head")
    run = getattr(command, "downgrade" if direction == "downgrade" else "upgrade")
    run_env_marked(session.script(args, config), lambda: run(config, revision, sql=True))
    return {"sql": buffer.getvalue(), "environment": session.environment()}


def load_metadata(project_dir, spec):
    """The MetaData named by "package.module:attribute.path" (a declarative Base is accepted too).

    The project folder goes on sys.path, as `prepend_sys_path = .` does for env.py. The project's
    own modules are imported afresh on every call (a long-lived helper must see edited models):
    re-importing only some of them would define the same tables twice on one MetaData.
    """
    import importlib
    from sqlalchemy import MetaData

    module_name, _, attribute_path = spec.partition(":")
    if not module_name or not attribute_path:
        raise HelperError("BadMetadataSpec", "Expected the metadata as module:attribute (e.g. myapp.models:Base.metadata), got %r" % (spec,))
    root = os.path.abspath(project_dir)
    if root not in sys.path:
        sys.path.insert(0, root)
    forget_project_modules(root)
    try:
        target = importlib.import_module(module_name)
    except ImportError as exc:
        if getattr(exc, "name", None) and module_name.startswith(exc.name):
            raise HelperError("MetadataNotFound", "Cannot import %s (from %s): %s" % (module_name, root, exc))
        raise
    for name in attribute_path.split("."):
        if not hasattr(target, name):
            raise HelperError("MetadataNotFound", "%s has no attribute %r (looking for %s)" % (getattr(target, "__name__", repr(target)), name, spec))
        target = getattr(target, name)
    if not isinstance(target, MetaData) and isinstance(getattr(target, "metadata", None), MetaData):
        target = target.metadata  # a declarative Base
    if not isinstance(target, MetaData):
        raise HelperError("MetadataNotFound", "%s is a %s, not SQLAlchemy MetaData" % (spec, type(target).__name__))
    return target


def forget_project_modules(root):
    prefix = root + os.sep
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if filename and os.path.abspath(filename).startswith(prefix) and os.sep + "site-packages" + os.sep not in filename:
            del sys.modules[name]


def describe_type(type_):
    try:
        return str(type_.compile(dialect=_postgres_dialect()))
    except Exception:
        return repr(type_)


def _postgres_dialect():
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()


def describe_default(default):
    if default is None:
        return None
    arg = getattr(default, "arg", default)  # DefaultClause wraps the SQL text
    text = getattr(arg, "text", None)
    return text if text is not None else str(arg)


def constraint_columns(constraint):
    return [column.name for column in constraint.columns]


def describe_diff(diff):
    """One entry of alembic.autogenerate.compare_metadata() as plain JSON.

    "add_*" means the models have it and the database does not; "remove_*" the reverse;
    "modify_*" carries the database's value (from) and the models' value (to).
    """
    kind = diff[0]
    entry = {"kind": kind}
    if kind in ("add_table", "remove_table", "add_table_comment", "remove_table_comment"):
        table = diff[1]
        entry.update(schema=table.schema, table=table.name)
        if kind == "add_table":
            entry["details"] = {"columns": [column.name for column in table.columns]}
        elif kind == "add_table_comment":
            entry["details"] = {"from": diff[2], "to": table.comment}
    elif kind in ("add_column", "remove_column"):
        column = diff[3]
        entry.update(schema=diff[1], table=diff[2], column=column.name, details={"type": describe_type(column.type), "nullable": bool(column.nullable)})
    elif kind in ("add_index", "remove_index"):
        index = diff[1]
        entry.update(schema=index.table.schema if index.table is not None else None, table=index.table.name if index.table is not None else None, name=index.name,
                     details={"columns": [getattr(e, "name", str(e)) for e in index.expressions], "unique": bool(index.unique)})
    elif kind in ("add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        constraint = diff[1]
        table = constraint.table
        entry.update(schema=table.schema, table=table.name, name=constraint.name)
        details = {"columns": constraint_columns(constraint)}
        if kind.endswith("_fk"):
            details["references"] = constraint.referred_table.name
            details["referencedColumns"] = [element.column.name for element in constraint.elements]
        else:
            details["constraint"] = type(constraint).__name__
        entry["details"] = details
    elif kind in ("modify_type", "modify_nullable", "modify_default", "modify_comment"):
        _, schema, table, column, _existing, old, new = diff
        if kind == "modify_type":
            old, new = describe_type(old), describe_type(new)
        elif kind == "modify_default":
            old, new = describe_default(old), describe_default(new)
        entry.update(schema=schema, table=table, column=column, details={"from": old, "to": new})
    else:
        entry["details"] = {"repr": repr(diff[1:])[:500]}
    return entry


def flatten_diffs(diffs):
    """compare_metadata() groups a column's modify_* changes in a list: one entry each here."""
    for diff in diffs:
        if isinstance(diff, list):
            for inner in diff:
                yield inner
        else:
            yield diff


def cmd_compare_metadata(session, args):
    """Alembic's autogenerate comparison of the project's MetaData with a database (what
    `alembic revision --autogenerate` would write), as structured entries."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    spec = args.get("metadata")
    if not spec:
        raise HelperError("BadMetadataSpec", "No metadata was named (module:attribute)")
    url = session.effective_url(args)
    if not url:
        raise HelperError("NoDatabaseUrl", "No database URL was given to the helper")
    metadata = load_metadata(session.project_dir, spec)
    # compare_type is Alembic's default from 1.12 on; said explicitly for 1.8. The version table is
    # left out of the comparison by Alembic itself.
    opts = {"compare_type": True, "version_table": args.get("version_table", session.version_table)}
    schema = args.get("version_table_schema", session.version_table_schema)
    if schema:
        opts["version_table_schema"] = schema
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=opts)
        diffs = compare_metadata(context, metadata)
    return {"metadata": spec, "tables": len(metadata.tables), "diffs": [describe_diff(diff) for diff in flatten_diffs(diffs)]}


COMMANDS = {
    "hello": cmd_hello,
    "configure": cmd_configure,
    "heads": cmd_heads,
    "history": cmd_history,
    "current": cmd_current,
    "upgrade": cmd_upgrade,
    "downgrade": cmd_downgrade,
    "sql": cmd_sql,
    "compare_metadata": cmd_compare_metadata,
}


def handle(session, request):
    request_id = request.get("id")
    global PHASES
    started = time.time()
    PHASES = {} if PHASES_ON else None
    try:
        cmd = request.get("cmd")
        if cmd not in COMMANDS:
            raise HelperError("UnknownCommand", "Unknown command %r" % (cmd,))
        args = request.get("args") or {}
        REDIRECT.target = session.effective_url(args)
        KEPT.active = session.keep_connections
        try:
            result = COMMANDS[cmd](session, args)
        finally:
            KEPT.active = session.keep_connections  # `configure` may have changed it
            REDIRECT.end_command()
        response = {"id": request_id, "ok": True, "result": result}
    except (KeyboardInterrupt, GeneratorExit):
        raise
    except BaseException as exc:  # SystemExit from env.py too: report it, keep serving
        response = {"id": request_id, "ok": False, "error": describe_error(exc)}
    response["elapsedMs"] = round((time.time() - started) * 1000, 1)
    if PHASES is not None:
        response["phasesMs"] = dict((name, round(seconds * 1000, 2)) for name, seconds in PHASES.items())
        PHASES = None
    return response


def main():
    session = Session()
    try:
        import_alembic()
        install_redirection()
        install_environment_hook(session)
        if PHASES_ON:
            install_sql_timing()
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
        KEPT.tidy()
    KEPT.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
