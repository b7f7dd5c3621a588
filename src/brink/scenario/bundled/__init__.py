"""Bundled scenarios (YAML), found by name through :func:`brink.scenario.load_scenario` (by name: ``brink run NAME``)."""
