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
        from pipeline.context import PipelineContext
        from pipeline.errors import UsageError
        from pipeline.web.accounts import add_user

        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

        def go():
            if not password:
                raise UsageError("no password given")
            ctx = PipelineContext.open(_settings(home, db_url, config))
            try:
                with ctx.db.session() as session:
                    user = add_user(session, username=username, password=password, role=role, unit=unit,
                                    policy=ctx.policy, actor="cli")
                    return user.username, user.role, user.unit
            finally:
                ctx.close()

        name, role_, unit_ = _guard(go)
        console.print(f"user {name} added as {role_}" + (f" of {unit_}" if unit_ else ""))

    app.add_typer(user_app, name="user")
