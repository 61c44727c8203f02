"""The `xlsproc` command's entry point: starts `process`'s first worker before the command line
is parsed (batch/headstart.py), then runs the command line (cli.py).

Nothing else may be imported here: every module imported before the fork is imported on the
critical path of a one-workbook run.
"""
import sys


def main() -> None:
    from xlsproc.batch.headstart import start
    start(sys.argv[1:])
    from xlsproc.cli import main as cli_main
    cli_main()


if __name__ == "__main__":
    main()
