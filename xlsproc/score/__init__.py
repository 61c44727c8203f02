"""Stage 2 — Evaluations in, scores and flags out, relative targets against history."""
