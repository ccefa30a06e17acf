"""Models of the council app."""
