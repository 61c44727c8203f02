"""Old import path, kept for the README's `from xlsproc.process import process`."""
from xlsproc.batch.run import *  # noqa: F401,F403
from xlsproc.batch.run import Outcome, process  # noqa: F401
