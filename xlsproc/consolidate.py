"""Old import path, kept for the README's `from xlsproc.consolidate import consolidate`."""
from xlsproc.district.book import *  # noqa: F401,F403
from xlsproc.district.book import consolidate, export_tables  # noqa: F401
