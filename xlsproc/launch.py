"""The `xlsproc` command's entry point: starts `process`'s first worker before the command line
is parsed (batch/headstart.py), then runs the command line (cli.py).

Nothing else may be imported here: every module imported before the fork is imported on the
critical path of a one-workbook run.
"""
import sys


INTERRUPTED = "\n已中断。\n"     # Ctrl-C before a command has its own message (e.g. while importing)


def main() -> None:
    import gc
    gc.disable()        # until the imports are done: a fifth of their time otherwise (collector.py)
    try:
        from xlsproc.batch.headstart import start
        start(sys.argv[1:])
        from xlsproc.cli import main as cli_main
        from xlsproc.collector import settle
        settle()
        cli_main()
    except KeyboardInterrupt:
        if sys.stderr is not None:
            sys.stderr.write(INTERRUPTED)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
