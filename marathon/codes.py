"""The alphabet of the codes people read aloud and type by hand (events' and letters' codes)."""

from __future__ import annotations

# No 0/O, 1/I/L: codes are read aloud in noisy rooms and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
