"""Stage 3 — results out: results-json entries, the annotated copy, the 自评报告, templates."""
