"""The lowest layer: issues and errors, periods, provenance. Imports nothing else of hnbxl."""
