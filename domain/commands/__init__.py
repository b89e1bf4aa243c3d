"""Commands: what a person asks an aggregate to do, as typed values (ADR 0019).

One module per aggregate. The edge (an HTTP route, a web form, the CLI, an import) builds the
command; the service loads the aggregate and hands the command to its method of the same verb.
"""
