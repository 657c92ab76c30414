"""One module per gage command: configure(parser) and run(args, env)."""

__all__: list[str] = []
