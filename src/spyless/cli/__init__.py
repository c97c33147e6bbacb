"""The command line: a thin adapter over the library API, one module per subcommand."""
