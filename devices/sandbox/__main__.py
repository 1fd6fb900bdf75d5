"""`python -m devices.sandbox`: the sandbox without Django (same options as `manage.py sandbox`)."""

import argparse
import os
import sys

from . import cli


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devices.sandbox", description="Run the fake vendor server."
    )
    cli.add_arguments(parser)
    options = vars(parser.parse_args(argv))
    try:
        cli.serve(options, environ=os.environ, out=print)
    except cli.SandboxUsageError as error:
        parser.exit(2, f"{parser.prog}: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
