"""Old import path, kept for the README's `from xlsproc.consolidate import consolidate`."""
from xlsproc.district.book import consolidate  # noqa: F401
from xlsproc.district.export import csv_safe, export_tables  # noqa: F401
from xlsproc.district.rows import (CHARTS, INDICATORS, ISSUES, PROJECTS, SUMMARY,  # noqa: F401
                                   YOY)
