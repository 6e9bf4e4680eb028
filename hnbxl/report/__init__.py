"""RAG rules, the report model, its assembly, and the committee workbook and PDF."""
