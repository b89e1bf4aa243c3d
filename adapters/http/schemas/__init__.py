"""Request bodies: the wire format, one module per router. Unknown fields are refused; dates
must be real `YYYY-MM-DD` dates. A body is not a command: each command's body builds it, with
`to_command()`, and the route hands that to the service."""
