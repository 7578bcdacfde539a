"""Tools behind the living review *Stem cell therapy for sepsis*.

The package holds every piece of logic the book needs: loading and validating the
evidence data, the statistics, the charts, the analysis runner, the book build and the CLI.
Notebooks under ``analyses/`` stay thin and call into it.
"""

from livingreview.data import guard as _guard

__version__ = "0.1.0"

# Under the runner, refuse reads of data files an analysis did not declare.
_guard.install_from_environment()
