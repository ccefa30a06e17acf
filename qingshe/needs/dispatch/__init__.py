"""Dispatch (派单): the Django-free engine that assigns volunteers to needs (engine.py), a
generator of instances with the demo city's shapes (instances.py) and the exact reference and
first-come baseline the benchmark and the tests compare it with (exact.py)."""
