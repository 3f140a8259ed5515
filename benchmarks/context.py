"""What every figure runs with: the database and layer, fresh workers, browser sessions."""

import dataclasses
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from benchmarks import servers
from benchmarks.drive import bare_streams, chainlit_streams, drive, project_streams, question
from benchmarks.servers import BARE_APP, STAMPED_APP, Server, Session


@dataclasses.dataclass
class Context:
    quick: bool
    database_url: str
    redis_url: str
    embedded: bool
    log: Callable[[str], None]
    secret_key: str = dataclasses.field(default_factory=lambda: "bench-" + uuid.uuid4().hex * 2)

    def env(self, **extra: str) -> dict[str, str]:
        # A channel-layer prefix of its own per call (one worker, or a pair sharing one env),
        # so no two workers, and no other process on the same Redis, see each other's groups.
        prefix = "bench" + uuid.uuid4().hex[:10]
        return servers.base_env(
            database_url=self.database_url,
            redis_url=self.redis_url,
            prefix=prefix,
            secret_key=self.secret_key,
            **extra,
        )

    def server(
        self,
        name: str,
        app: str = STAMPED_APP,
        kind: str = "daphne",
        env: dict[str, str] | None = None,
        **extra: str,
    ) -> Server:
        server = Server(name=name, env=env or self.env(**extra), app=app, kind=kind).start()
        if not self.quick:
            warm_up(server)
        return server


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


_cookies: dict[int, Session] = {}


def session_for(server: Server) -> Session:
    """One browser session per worker (by port), made on first use."""
    if server.port not in _cookies:
        _cookies[server.port] = Session(server).visit()
    return _cookies[server.port]


def share_session(server: Server, like: Server) -> None:
    """Use ``like``'s session on ``server`` too (two workers sharing one database)."""
    _cookies[server.port] = session_for(like)


def ctx_cookie(server: Server) -> str:
    return session_for(server).cookie_header()


def warm_up(server: Server) -> None:
    """One short stream first, so no figure counts first-use costs (imports, pools)."""
    if server.kind == "chainlit":
        drive(
            kind="chainlit",
            streams=chainlit_streams(server, 1),
            question=question(3, 100),
            origin=server.http,
            timeout=30,
        )
        return
    if server.app == BARE_APP:
        drive(
            kind="bare",
            streams=bare_streams(server, 1),
            question={"n": 3, "rate": 100},
            origin=server.http,
            timeout=30,
        )
        return
    ids = session_for(server).conversations(1)
    drive(
        kind="project",
        streams=project_streams(server, ids),
        question=question(3, 100),
        origin=server.http,
        cookie=ctx_cookie(server),
        timeout=30,
    )
