"""The page of ``brink serve``: its HTML, script and style (read with :mod:`importlib.resources`)."""
