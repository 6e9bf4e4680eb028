"""The programme definition (TOML -> typed, checked objects) and last period's snapshot."""
