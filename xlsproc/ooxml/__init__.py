"""The .xlsx package layer: surgical edits of an OOXML package and their verification."""
