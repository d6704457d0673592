"""expertfind: find the colleague who knows, from a local skills directory."""

__version__ = "1.0.0"
