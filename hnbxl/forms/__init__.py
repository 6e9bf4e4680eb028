"""The form layout (one source of truth for every cell) and the locked input workbook."""
