"""Rendering of the annual report (a plain dict built from the event log) as JSON, Markdown, HTML
and PDF."""

from adapters.reports.render import CONTENT_TYPES, FORMATS, render

__all__ = ["CONTENT_TYPES", "FORMATS", "render"]
