"""Workbook bytes: refusing unsafe files, the strict streaming cell reader, text fitting."""
