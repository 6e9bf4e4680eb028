"""hnbxl: Excel-native returns and committee reports for council programmes.

The public API lives in :mod:`hnbxl.api` (generate, validate, compile); this
module stays import-light so the command line starts instantly.
"""

__version__ = "0.3.0"
