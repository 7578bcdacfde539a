"""Theme defaults the book needs."""

from __future__ import annotations


def set_theme_defaults(app, config) -> None:
    # Without a default mode the theme logs a console error on every first visit.
    config.html_context.setdefault("default_mode", "auto")


def register(app) -> None:
    app.connect("config-inited", set_theme_defaults)
