"""What became of each case: outcomes recorded by the section, and the good-news page.

A case's outcomes (:class:`marathon.cases.models.Outcome`) are facts of the case, loaded with it
from its folder; this package is where staff add, correct and remove them, and where the public
reads the honest share of cases with a positive outcome.
"""
