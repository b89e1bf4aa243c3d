"""Web pages for chairs, contributors and inspectors: GOV.UK Design System, server-rendered,
working without JavaScript (ADR 0016). They call the same services and read models as the API."""
