"""The programme definition (TOML -> typed, checked objects) and last period's snapshot."""

# Every rule kind registers itself when hnbxl.programme is first imported, so a
# ``Rule`` of any kind can be made, whichever module of the package comes first.
import hnbxl.programme.kinds  # noqa: F401
