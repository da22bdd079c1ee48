"""The office's web app: review queue, letters, cases, units' steps, dashboard, JSON API, uploads.

Server-rendered pages (Jinja2, a little plain JavaScript, no CDN) over the
same library functions as the CLI and the flows; ``create_app(settings)``
in :mod:`pipeline.web.app` builds it, ``lianming web`` serves it.
"""

from pipeline.web.app import create_app

__all__ = ["create_app"]
