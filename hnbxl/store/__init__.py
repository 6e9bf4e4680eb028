"""The working folder: SQLite history, the folder itself, exports."""
