"""The annual report as PDF: WeasyPrint prints the HTML page (A4, page numbers, the same inline SVG
charts). WeasyPrint is imported on first use, so the other formats never need it."""

from __future__ import annotations

from adapters.reports.html import render_html


def render_pdf(report: dict) -> bytes:
    from weasyprint import HTML  # needs Pango on the host

    identifier = f"learnloop-annual-{report.get('year')}-{report.get('as_at_position')}"
    document = HTML(string=render_html(report).decode("utf-8"), base_url=None)
    return document.write_pdf(pdf_identifier=identifier.encode("utf-8"))
