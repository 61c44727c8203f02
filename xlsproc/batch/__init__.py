"""A folder in, annotated copies and results.json out: the run, its workers, manifest and watch."""
