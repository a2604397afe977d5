from . import bp  # noqa: F401  (pages: reports, thanks, pseudonym pages)
