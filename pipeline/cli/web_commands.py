"""``lianming web`` (serve the web app) and ``lianming user add`` (create an account).

``register(app)`` adds the commands; errors become exit codes in
``pipeline.cli.main._guard``. Passwords are never taken from the command
line (it ends up in shell history and ``ps``): prompted twice, or read from
standard input with ``--password-stdin`` for scripts.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from pipeline.cli.options import ConfigOpt, DbOpt, HomeOpt

console = Console()
err_console = Console(stderr=True)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _in_session(fn, home, db_url, config):
    """Run ``fn(session, ctx)`` in one transaction of the deployment's database."""
    from pipeline.cli.main import _settings
    from pipeline.context import PipelineContext

    ctx = PipelineContext.open(_settings(home, db_url, config))
    try:
        with ctx.db.session() as session:
            return fn(session, ctx)
    finally:
        ctx.close()


def register(app: typer.Typer) -> None:
    from pipeline.cli.main import _guard, _settings

    @app.command()
    def web(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
            port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
            home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """Serve the web app (sign in at /login; API documentation at /docs)."""
        import uvicorn

        from pipeline.web.app import create_app

        settings = _guard(_settings, home, db_url, config)
        web_app = _guard(create_app, settings)
        if host not in _LOOPBACK and settings.web_cookie_secure is None:
            err_console.print("note: session cookies are marked Secure, so browsers send them over HTTPS only;"
                              " serve behind a TLS proxy, or set LIANMING_WEB_COOKIE_SECURE=false on a trusted network")
        console.print(f"Lianming web at http://{host}:{port}/login")
        # One worker: the app holds one database engine and document store;
        # uvicorn's thread pool serves concurrent requests.
        uvicorn.run(web_app, host=host, port=port, proxy_headers=True, log_level="info")

    user_app = typer.Typer(help="Accounts of the web app.", no_args_is_help=True)

    @user_app.command("add")
    def add(username: Annotated[str, typer.Argument(help="User name (no spaces).")],
            role: Annotated[str, typer.Option("--role", help="admin | reviewer | unit_officer | station")],
            unit: Annotated[str | None, typer.Option("--unit", help="The unit a unit officer acts for, e.g. 青山县人力资源和社会保障局.")] = None,
            password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
            home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """Create a web account; a unit officer's unit must be one the policy routes to."""
        from pipeline.web.accounts import add_user

        password = _read_password(password_stdin)

        def go(session, ctx):
            user = add_user(session, username=username, password=password, role=role, unit=unit,
                            policy=ctx.policy, actor="cli")
            return user.username, user.role, user.unit

        name, role_, unit_ = _guard(_in_session, go, home, db_url, config)
        console.print(f"user {name} added as {role_}" + (f" of {unit_}" if unit_ else ""))

    @user_app.command("passwd")
    def passwd(username: Annotated[str, typer.Argument(help="User name.")],
               password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
               home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """Set a new password; the user's open sessions end."""
        from pipeline.web.accounts import set_password

        password = _read_password(password_stdin)
        _guard(_in_session, lambda session, ctx: set_password(session, username=username, password=password,
                                                              actor="cli"), home, db_url, config)
        console.print(f"password of {username} set; their open sessions have ended")

    @user_app.command("deactivate")
    def deactivate(username: Annotated[str, typer.Argument(help="User name.")],
                   home: HomeOpt = None, db_url: DbOpt = None, config: ConfigOpt = None) -> None:
        """Refuse this user's sign-ins from now on and end their sessions (the history stays)."""
        from pipeline.web.accounts import deactivate_user

        _guard(_in_session, lambda session, ctx: deactivate_user(session, username=username, actor="cli"),
               home, db_url, config)
        console.print(f"user {username} deactivated")

    app.add_typer(user_app, name="user")
