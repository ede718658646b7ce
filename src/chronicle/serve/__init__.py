"""The `serve` stage: the HTTP API (FastAPI) and the web page (plain files in `static/`)."""

from .app import create_app

__all__ = ["create_app"]
