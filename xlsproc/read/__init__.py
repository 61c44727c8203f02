"""Stage 1 — a file in, one Evaluation per table out: sniffing, the cell grid, labels, values."""
