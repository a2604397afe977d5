"""Demo content for this domain (see boxlocale/demo.py)."""


def load():
    """Nothing yet: this domain is not built."""
