"""Stage 2 — Evaluations in, scores and flags out (pandas), relative targets against history."""
